// Opened from the board with ?imprimir=1: print once the ticket has loaded, so one click on a card
// prints it.
(function () {
  "use strict";
  if (new URLSearchParams(window.location.search).get("imprimir") !== "1") {
    return;
  }
  function printTicket() { window.print(); }
  if (document.readyState === "complete") {
    printTicket();
  } else {
    window.addEventListener("load", printTicket, { once: true });
  }
})();
