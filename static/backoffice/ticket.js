// Opened from the board with ?imprimir=1: print at once, so one click on a card prints the ticket.
(function () {
  "use strict";
  if (new URLSearchParams(window.location.search).get("imprimir") === "1") {
    window.addEventListener("load", function () { window.print(); });
  }
})();
