// "Copiar código" for the PIX copia-e-cola: shown only when the browser can copy to the clipboard.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copyTarget);
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        var original = button.textContent;
        button.textContent = button.dataset.copiedText;
        setTimeout(function () { button.textContent = original; }, 2500);
      });
    });
  });
})();
