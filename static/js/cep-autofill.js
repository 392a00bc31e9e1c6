/*
 * CEP autofill for templates/locations/includes/address_fields.html.
 *
 * Once a CEP has 8 digits, asks /api/cep/<cep>/ and fills logradouro, bairro, cidade and UF (found by
 * their data-address-field attribute, so form prefixes do not matter). Messages come translated from
 * the fieldset's data-msg-* attributes or from the API's "mensagem". Without this script the
 * "Buscar CEP" button submits the form and the server does the same; with it, the button looks up in
 * place. Loaded with <script defer> (strict CSP: no inline code); safe to load twice.
 */
(function () {
  "use strict";

  if (window.ociPizzaCepAutofill) {
    return;
  }
  window.ociPizzaCepAutofill = true;

  // API field -> form field. Not complemento: the CEP's ("lado par") is not the customer's ("apto 12").
  var FIELDS = { logradouro: "logradouro", bairro: "bairro", localidade: "cidade", uf: "uf" };

  function digitsOf(value) {
    return (value || "").replace(/\D/g, "");
  }

  function setup(fieldset) {
    if (fieldset.dataset.cepReady) {
      return;
    }
    fieldset.dataset.cepReady = "1";
    var input = fieldset.querySelector('[data-address-field="cep"]');
    var status = fieldset.querySelector("[data-cep-status]");
    var button = fieldset.querySelector("[data-cep-lookup]");
    if (!input) {
      return;
    }
    var apiTemplate = fieldset.dataset.cepApi;
    var lastLookedUp = null;
    var pending = null;

    function field(name) {
      return fieldset.querySelector('[data-address-field="' + name + '"]');
    }

    function say(message, isError) {
      if (!status) {
        return;
      }
      status.textContent = message || "";
      status.classList.toggle("is-error", Boolean(isError));
    }

    function clearServerErrors() {
      var errors = input.closest(".field");
      errors = errors ? errors.querySelectorAll(".errorlist") : [];
      Array.prototype.forEach.call(errors, function (list) {
        list.remove();
      });
    }

    function setValue(element, value) {
      if (element.value === value) {
        return;
      }
      element.value = value;
      element.dispatchEvent(new Event("input", { bubbles: true }));
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function fill(address) {
      setValue(input, address.cep);
      Object.keys(FIELDS).forEach(function (key) {
        var element = field(FIELDS[key]);
        if (!element) {
          return;
        }
        var value = address[key] || "";
        if (value) {
          setValue(element, value);
          element.dataset.cepFilled = value;
        } else if (element.dataset.cepFilled && element.value === element.dataset.cepFilled) {
          // Our own fill from the previous CEP would now be wrong; what the customer typed stays.
          setValue(element, "");
          delete element.dataset.cepFilled;
        }
      });
      var street = address.precisao === "logradouro";
      say(street ? fieldset.dataset.msgStreet : fieldset.dataset.msgCity, false);
      // Take the customer to what is left to type, unless they already moved on.
      if (document.activeElement === input || document.activeElement === button) {
        var next = street ? field("numero") : field("logradouro");
        if (next) {
          next.focus();
        }
      }
    }

    function lookUp(digits) {
      if (pending) {
        pending.abort();
      }
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      pending = controller;
      lastLookedUp = digits;
      fieldset.setAttribute("aria-busy", "true");
      say(fieldset.dataset.msgSearching, false);
      fetch(apiTemplate.replace("00000000", digits), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (body) {
              return { ok: response.ok, body: body };
            });
        })
        .then(function (result) {
          if (pending !== controller) {
            return; // a newer CEP was typed meanwhile
          }
          if (result.ok) {
            input.removeAttribute("aria-invalid");
            clearServerErrors();
            fill(result.body);
          } else {
            input.setAttribute("aria-invalid", "true");
            say(result.body.mensagem || fieldset.dataset.msgFailed, true);
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          lastLookedUp = null; // let the customer retry the same CEP
          say(fieldset.dataset.msgFailed, true);
        })
        .then(function () {
          if (pending === controller) {
            pending = null;
            fieldset.removeAttribute("aria-busy");
          }
        });
    }

    input.addEventListener("input", function () {
      var digits = digitsOf(input.value);
      if (digits.length === 8 && digits !== lastLookedUp) {
        lookUp(digits);
      } else if (digits.length < 8) {
        lastLookedUp = null;
      }
    });

    if (button) {
      button.addEventListener("click", function (event) {
        var digits = digitsOf(input.value);
        if (digits.length !== 8) {
          return; // let the server say what is wrong with it
        }
        event.preventDefault();
        lookUp(digits);
      });
    }
  }

  function setupAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cep-autofill]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
