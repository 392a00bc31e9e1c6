// The orders board without reloads: asks the server every few seconds whether anything changed,
// swaps the columns in when it did, rings until every new order was opened or accepted, and makes
// the card buttons move orders in place. Without JavaScript the forms post and the page reloads.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var POLL_MS = 5000, RING_MS = 4000, FULL_REFRESH_MS = 120000;
  var bell = document.getElementById("bell");
  var toggle = document.getElementById("sound-toggle");
  var statusLine = document.getElementById("board-status");
  var soundOn = false, lastFull = Date.now(), busy = false;

  function counts() {
    var columns = board.querySelector(".bo-columns");
    return {
      fresh: columns ? parseInt(columns.dataset.new || "0", 10) : 0,
      ringing: columns ? parseInt(columns.dataset.ringing || "0", 10) : 0
    };
  }

  function showTitle() {
    var fresh = counts().fresh;
    document.title = (fresh ? "(" + fresh + ") " : "") + board.dataset.title;
  }

  function ring() {
    var ringing = counts().ringing > 0;
    board.dataset.ringing = ringing ? "true" : "false";
    if (ringing && soundOn && bell) {
      bell.currentTime = 0;
      var played = bell.play();
      if (played && played.catch) { played.catch(function () {}); }
    }
  }

  function ages() {
    var now = Date.now() / 1000;
    board.querySelectorAll("[data-since]").forEach(function (el) {
      var minutes = Math.max(0, Math.floor((now - parseInt(el.dataset.since, 10)) / 60));
      el.dataset.minutes = String(minutes);
      el.title = minutes + " min";
      el.classList.toggle("is-late", minutes >= 30);
    });
  }

  function apply(data) {
    if (data.html !== undefined) {
      board.innerHTML = data.html;
      board.dataset.version = String(data.version);
      lastFull = Date.now();
    }
    showTitle();
    ages();
    ring();
  }

  function say(text) {
    if (statusLine) { statusLine.textContent = text; }
  }

  function poll() {
    if (busy) { return; }
    var url = board.dataset.changesUrl + "?versao=" +
      (Date.now() - lastFull > FULL_REFRESH_MS ? "" : encodeURIComponent(board.dataset.version));
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();  // the session ended: show the login page
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && data.changed) { apply(data); }
        say("");
      })
      .catch(function () { say("Sem conexão com o servidor; tentando de novo…"); });
  }

  board.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("bo-move")) { return; }
    event.preventDefault();
    busy = true;
    var body = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": body.get("csrfmiddlewaretoken") }
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (answer) {
        apply(answer.data);
        say(answer.data.message || "");
      })
      .catch(function () { form.submit(); })
      .then(function () { busy = false; });
  });

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      soundOn = true;
      toggle.textContent = toggle.dataset.onText;
      toggle.disabled = true;
      toggle.setAttribute("aria-pressed", "true");
      ring();
    });
  }

  showTitle();
  ages();
  ring();
  setInterval(poll, POLL_MS);
  setInterval(ring, RING_MS);
  setInterval(ages, 30000);
})();
