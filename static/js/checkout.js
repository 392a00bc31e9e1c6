/*
 * A calmer checkout (templates/orders/checkout.html), on top of a page that works without it:
 * - the address fields show only for a delivery to a new address, the whole address section only for
 *   a delivery;
 * - "Troco para quanto?" shows only for cash; the payment labels say "na retirada" for a pickup;
 * - choosing a saved address updates the fee, the total and the delivery quote at once, from the
 *   data-* attributes the server put on each radio, and the quoted fee sent back (an order is only
 *   placed at a fee the customer has seen; a new address is quoted by the server on submit).
 * Without the script everything is shown and the server quotes the fee when the form is sent.
 */
(function () {
  "use strict";

  var form = document.querySelector(".checkout-form");
  if (!form) {
    return;
  }

  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  var section = form.querySelector("[data-delivery-section]");
  var addressFields = section ? section.querySelector(".address-fields") : null;
  var cashOnly = form.querySelector("[data-cash-only]");
  var quote = form.querySelector("[data-delivery-quote]");
  var quotedFee = form.querySelector("[data-quoted-fee]");
  var summaryFee = document.querySelector("[data-summary-fee]");
  var summaryTotal = document.querySelector("[data-summary-total]");

  function sayQuote(radio) {
    if (!quote) {
      return;
    }
    quote.textContent = "";
    var text = radio.dataset.quote;
    if (!text) {
      return;
    }
    var banner = document.createElement("p");
    banner.className = radio.dataset.zoneOut ? "banner banner-closed" : "banner";
    banner.setAttribute("data-testid", "delivery-quote");
    banner.textContent = text;
    quote.appendChild(banner);
  }

  function savedChosen(radio) {
    sayQuote(radio);
    var fee = radio.dataset.fee || "";
    if (quotedFee) {
      quotedFee.value = fee;
    }
    show(summaryFee, Boolean(fee));
    show(summaryTotal, Boolean(fee));
    if (fee) {
      summaryFee.querySelector("[data-fee-text]").textContent = radio.dataset.feeText;
      summaryTotal.querySelector("[data-total-text]").textContent = radio.dataset.totalText;
    }
  }

  function update(event) {
    var delivery = checked("fulfilment") === "DELIVERY";
    var savedRadio = form.querySelector('input[name="saved_address"]:checked');
    var newAddress = !savedRadio || savedRadio.value === "new";
    show(section, delivery);
    show(addressFields, delivery && newAddress);
    show(cashOnly, checked("payment") === "CASH");
    // Nothing is paid "na entrega" when the customer picks the order up: the labels say so.
    Array.prototype.forEach.call(form.querySelectorAll('input[name="payment"]'), function (input) {
      var wording = delivery ? input.dataset.deliveryLabel : input.dataset.pickupLabel;
      var label = input.closest("label");
      if (wording && label && label.lastChild && label.lastChild !== input) {
        label.lastChild.textContent = " " + wording;
      }
    });
    if (!event) {
      return; // the page as the server quoted it
    }
    if (!delivery) {
      show(summaryFee, false);
      show(summaryTotal, false);
    } else if (!newAddress) {
      savedChosen(savedRadio);
    } else if (event.target.name === "saved_address") {
      // A new address is quoted once its CEP is known: no fee stands until then.
      if (quotedFee) {
        quotedFee.value = "";
      }
      if (quote) {
        quote.textContent = "";
      }
      show(summaryFee, false);
      show(summaryTotal, false);
    } else if (event.target.name === "fulfilment" && summaryFee) {
      var known = Boolean(quotedFee && quotedFee.value);
      show(summaryFee, known);
      show(summaryTotal, known);
    }
  }

  form.addEventListener("change", update);
  update();
})();
