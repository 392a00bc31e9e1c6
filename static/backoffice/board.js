// The orders board without reloads: asks the server every few seconds whether anything changed,
// swaps the columns in when it did, rings until every new order was opened or accepted, and makes
// the card buttons move orders in place. Without JavaScript the forms post and the page reloads.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var POLL_MS = 5000, RING_MS = 4000, FULL_REFRESH_MS = 120000, MESSAGE_MS = 30000;
  var bell = document.getElementById("bell");
  var toggle = document.getElementById("sound-toggle");
  var statusLine = document.getElementById("board-status");
  var soundOn = false, lastFull = Date.now(), busy = false, offline = false, messageTimer = null;

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

  // A rejection reason being typed survives a redraw while its card still offers that move at the same
  // step; once someone else moved the order, its form goes with the old card.
  function openReasons() {
    var kept = [];
    board.querySelectorAll("details.bo-cancel[open]").forEach(function (details) {
      var form = details.querySelector("form.bo-move");
      var card = details.closest("[data-code]");
      if (!form || !card) { return; }
      kept.push({
        code: card.dataset.code, target: form.elements.target.value, version: form.elements.version.value,
        reason: form.elements.reason ? form.elements.reason.value : "",
        focused: form.contains(document.activeElement)
      });
    });
    return kept;
  }

  function reopen(kept) {
    kept.forEach(function (was) {
      var card = board.querySelector('[data-code="' + was.code + '"]');
      if (!card) { return; }
      card.querySelectorAll("details.bo-cancel").forEach(function (details) {
        var form = details.querySelector("form.bo-move");
        if (!form || form.elements.target.value !== was.target || form.elements.version.value !== was.version) {
          return;
        }
        details.open = true;
        if (form.elements.reason) {
          form.elements.reason.value = was.reason;
          if (was.focused) { form.elements.reason.focus(); }
        }
      });
    });
  }

  function apply(data) {
    if (data.html !== undefined) {
      var kept = openReasons();
      board.innerHTML = data.html;
      reopen(kept);
      board.dataset.version = String(data.version);
      lastFull = Date.now();
    }
    showTitle();
    ages();
    ring();
  }

  // What a move answered ("O pedido mudou…") stays until the next move or MESSAGE_MS, whatever the
  // polls do meanwhile; only the poll's own "no connection" line is cleared by the next good poll.
  function say(text) {
    if (!statusLine) { return; }
    clearTimeout(messageTimer);
    offline = false;
    statusLine.textContent = text;
    if (text) { messageTimer = setTimeout(function () { statusLine.textContent = ""; }, MESSAGE_MS); }
  }

  function connection(ok) {
    if (!statusLine || ok === !offline) { return; }
    offline = !ok;
    clearTimeout(messageTimer);
    statusLine.textContent = ok ? "" : statusLine.dataset.offlineText;
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
        connection(true);
      })
      .catch(function () { connection(false); });
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
