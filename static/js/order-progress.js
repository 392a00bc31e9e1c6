// Tracking without reloads: asks every few seconds whether the order moved (a 204 while nothing did)
// and swaps the timeline into its aria-live region; counts down the PIX code's validity.
(function () {
  "use strict";
  var region = document.getElementById("order-progress");

  function sync(status, canCancel) {
    // Parts of the page that only make sense in one status (the PIX code) or while cancelling is allowed.
    document.querySelectorAll("[data-while-status]").forEach(function (element) {
      element.hidden = element.dataset.whileStatus !== status;
    });
    if (!canCancel) {
      document.querySelectorAll("[data-cancel-form]").forEach(function (element) { element.hidden = true; });
    }
  }

  if (region && region.dataset.progressUrl) {
    var url = region.dataset.progressUrl;
    var seconds = Math.max(Number(region.dataset.pollSeconds) || 10, 1);
    var version = region.dataset.version || "";
    var timer = null;

    var schedule = function () {
      clearTimeout(timer);
      timer = setTimeout(poll, seconds * 1000);
    };

    var poll = function () {
      if (document.hidden) {
        return; // asked again when the tab is back in view
      }
      fetch(url + "?versao=" + encodeURIComponent(version), {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" }
      }).then(function (response) {
        if (response.status === 204) {
          schedule();
          return;
        }
        var status = response.headers.get("X-Order-Status");
        if (!response.ok || !status) {
          return; // signed out or the link died: the page as it is stays, reloading shows why
        }
        version = response.headers.get("X-Orders-Version") || version;
        var canCancel = response.headers.get("X-Order-Can-Cancel") === "1";
        var final = response.headers.get("X-Order-Final") === "1";
        return response.text().then(function (html) {
          // Another order's change moves the counter too: only this order's change is announced.
          var updated = response.headers.get("X-Order-Updated");
          if (updated !== region.dataset.updated) {
            region.innerHTML = html;
            region.dataset.status = status;
            region.dataset.updated = updated;
          }
          sync(status, canCancel);
          if (!final) {
            schedule();
          }
        });
      }).catch(schedule); // the network blinked: try again later
    };

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        poll();
      }
    });
    schedule();
  }

  // The PIX countdown: role="timer" is not announced every second; the text says until when anyway.
  var countdown = document.querySelector("[data-expires-at]");
  if (countdown) {
    var deadline = Date.parse(countdown.dataset.expiresAt);
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (left === 0) {
        countdown.textContent = countdown.dataset.expiredText;
        return;
      }
      var minutes = Math.floor(left / 60);
      var rest = left % 60;
      var time = minutes + ":" + (rest < 10 ? "0" : "") + rest;
      countdown.textContent = countdown.dataset.leftText + " " + time;
      setTimeout(tick, 1000);
    };
    if (!isNaN(deadline)) {
      countdown.hidden = false;
      tick();
    }
  }
})();
