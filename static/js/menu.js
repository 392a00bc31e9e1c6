/*
 * The menu page (templates/menu/home.html), on top of forms that work without it:
 * - "Adicionar" posts with fetch (the form's own fields, CSRF token included) asking for JSON, and
 *   confirms next to the button: the customer keeps their place. The header badge and the phone's
 *   bottom bar follow. Any failure to talk JSON falls back to the ordinary post, which comes back to
 *   the card (its "next" field ends in #item-<slug>).
 * - The half-and-half picker names each half's price in the chosen size and the price charged, by the
 *   rule the server wrote in data-half-rule ("max": the dearer half; "average": the mean, cents
 *   rounded half up, as orders/cart.py's unit_price).
 * - The list of other halves is on the page once (<template id="half-options">): a card gets its own
 *   copy when its "Meio a meio" section opens or its link is followed. Without scripts that link
 *   reloads the menu with ?meio=<slug>, which lists the halves in that card alone.
 */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "pt-BR";
  var number = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function cents(text) {
    return Math.round(parseFloat(text) * 100);
  }

  function brl(amountCents) {
    return "R$\u00a0" + number.format(amountCents / 100);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  // --- add to cart without leaving the place -------------------------------------------------------

  function confirmation(form) {
    var note = form.querySelector("[data-add-confirm]");
    if (!note) {
      note = document.createElement("p");
      note.className = "add-confirm";
      note.setAttribute("role", "status");
      note.setAttribute("data-add-confirm", "");
      note.setAttribute("data-testid", "add-confirm");
      form.appendChild(note);
    }
    return note;
  }

  function updateCart(answer) {
    var badge = document.querySelector(".cart-badge");
    if (badge) {
      badge.textContent = String(answer.count);
      badge.setAttribute("aria-label", answer.badge_label);
    }
    var bar = document.querySelector("[data-cart-bar]");
    if (bar) {
      bar.querySelector("[data-cart-bar-count]").textContent = answer.count_text;
      bar.querySelector("[data-cart-bar-text]").textContent = answer.bar_text;
      bar.hidden = !answer.count;
    }
  }

  var queue = Promise.resolve();

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("add-form") || !window.fetch || !window.FormData) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) {
      button.disabled = true;
    }
    var note = confirmation(form);
    var body = new FormData(form);
    // One request at a time: the cart is one value in the session, and two adds racing each other
    // would each write the cart as they read it, losing the other's line.
    queue = queue
      .then(function () {
        return fetch(form.action, {
          method: "POST",
          body: body,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not JSON");
        }
        return response.json();
      })
      .then(function (answer) {
        note.textContent = answer.message;
        note.classList.toggle("is-error", !answer.ok);
        if (answer.ok) {
          if (form.dataset.cartUrl && form.dataset.viewCart) {
            var link = document.createElement("a");
            link.href = form.dataset.cartUrl;
            link.textContent = form.dataset.viewCart;
            note.appendChild(document.createTextNode(" "));
            note.appendChild(link);
          }
          updateCart(answer);
        }
      })
      .catch(function () {
        // The page could not talk JSON (an expired session's 403 page, a proxy error...): post it the
        // ordinary way, which always answers with a page.
        form.submit();
      })
      .then(function () {
        if (button) {
          button.disabled = false;
        }
      });
  }

  document.addEventListener("submit", onSubmit);

  // --- half-and-half prices ------------------------------------------------------------------------

  function priceMap(text) {
    var prices = {};
    (text || "").split(" ").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2) {
        prices[parts[0]] = cents(parts[1]);
      }
    });
    return prices;
  }

  function updateHalf(form) {
    var select = form.querySelector("[data-half-select]");
    var rule = form.querySelector("[data-half-rule]");
    var size = form.querySelector('input[name="size"]:checked');
    if (!select || !rule || !size) {
      return;
    }
    var sizeName = size.dataset.sizeName;
    var own = cents(size.dataset.price);
    var first = form.closest(".menu-card").querySelector("h3").textContent;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) {
        return;
      }
      var price = priceMap(option.dataset.prices)[size.value];
      option.textContent = price
        ? option.dataset.name + " · " + sizeName + " " + brl(price)
        : option.dataset.name;
      option.disabled = !price;
    });
    var chosen = select.options[select.selectedIndex];
    if (rule.dataset.original === undefined) {
      rule.dataset.original = rule.textContent;
    }
    if (!chosen || !chosen.value) {
      rule.textContent = rule.dataset.original; // a whole pizza: the rule is all there is to say
      return;
    }
    var other = priceMap(chosen.dataset.prices)[size.value];
    if (!other) {
      return;
    }
    var charged = rule.dataset.halfRule === "average" ? Math.floor((own + other + 1) / 2) : Math.max(own, other);
    rule.textContent = fill(rule.dataset.msgPrice, {
      first: first,
      first_price: brl(own),
      second: chosen.dataset.name,
      second_price: brl(other),
      price: brl(charged),
    });
  }

  function mountHalf(slot) {
    var source = document.getElementById("half-options");
    var form = slot.closest(".add-form");
    if (!source || !form || slot.querySelector("[data-half-select]")) {
      return null;
    }
    var slug = slot.dataset.halfPicker;
    var copy = source.content.cloneNode(true);
    var label = copy.querySelector("label");
    var select = copy.querySelector("select");
    select.id = "half-" + slug;
    select.setAttribute("aria-describedby", "half-rule-" + slug);
    label.htmlFor = select.id;
    var own = select.querySelector('option[value="' + CSS.escape(slug) + '"]');
    if (own) {
      own.remove(); // a pizza is not its own other half
    }
    slot.textContent = "";
    slot.appendChild(copy);
    updateHalf(form);
    return select;
  }

  document.addEventListener(
    "toggle",
    function (event) {
      var slot = event.target.open && event.target.querySelector && event.target.querySelector("[data-half-picker]");
      if (slot) {
        mountHalf(slot);
      }
    },
    true // toggle does not bubble
  );

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-half-open]");
    if (!link) {
      return;
    }
    var select = mountHalf(link.closest("[data-half-picker]"));
    if (select) {
      event.preventDefault();
      select.focus();
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".add-form");
    if (form && (event.target.name === "size" || event.target.name === "half")) {
      updateHalf(form);
    }
  });
})();
