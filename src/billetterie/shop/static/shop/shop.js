/* The shop's few behaviours, each switched on by the markup it needs (no inline script: the
   Content-Security-Policy allows scripts from this site's files only, decision 0011). */
(function () {
  "use strict";

  // event page: the suggested donation amounts fill their input
  document.querySelectorAll("[data-fill]").forEach(function (b) {
    b.addEventListener("click", function () {
      var input = document.getElementById(b.dataset.fill);
      input.value = b.dataset.value.replace(/[^0-9,.]/g, "");
      input.focus();
    });
  });

  // cart: the time left on the holds, then a reload when they run out
  var hold = document.querySelector("[data-expires]");
  if (hold) {
    var end = new Date(hold.dataset.expires).getTime(), out = hold.querySelector(".countdown");
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      out.textContent = "(" + Math.floor(s / 60) + " min " + ("0" + s % 60).slice(-2) + " s)";
      if (s > 0) setTimeout(tick, 1000); else location.reload();
    };
    tick();
  }

  // order page: the pay button shows the amount of the method chosen, its fee included (unless
  // it says "Try again", after a failed payment)
  var button = document.querySelector(".receipt:not([data-status=failed]) #pay-button");
  if (button) {
    document.querySelectorAll("input[name=provider][data-pay-label]").forEach(function (input) {
      input.addEventListener("change", function () { if (input.checked) button.textContent = input.dataset.payLabel; });
    });
  }

  // order page, payment pending: ask status.json until the state changes, then reload
  var receipt = document.querySelector(".receipt[data-status=pending][data-status-url]");
  if (receipt) {
    var tries = 0;
    var poll = function () {
      if (++tries > 450) return;
      fetch(receipt.dataset.statusUrl, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (d) {
        if (d.status !== receipt.dataset.status) { location.reload(); } else { setTimeout(poll, 2000); }
      }).catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1500);
  }

  // on to the payment service's page (or back from a test one): the form posts itself
  var autopost = document.querySelector("form[data-autopost]");
  if (autopost) autopost.submit();
})();
