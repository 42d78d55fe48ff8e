/* Our Stripe payment page: the Payment Element (or localstripe's card element in the demo and the
   tests), loaded after stripe.js. A static file, as the Content-Security-Policy wants (decision 0011). */
(function () {
  "use strict";
  var form = document.getElementById("stripe-pay"), button = document.getElementById("pay-button");
  var errorBox = document.getElementById("payment-error");
  var failed = form.dataset.failed;
  var stripe = Stripe(form.dataset.key), real = typeof stripe.confirmPayment === "function", elements, element;
  if (real) {
    elements = stripe.elements({clientSecret: form.dataset.secret, locale: form.dataset.locale});
    element = elements.create("payment");
  } else {  // localstripe's stand-in for stripe.js (demo and tests): a card element only
    elements = stripe.elements();
    element = elements.create("card");
  }
  element.mount("#payment-element");
  function show(message) { errorBox.textContent = message || failed; errorBox.hidden = false; button.disabled = false; }
  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    button.disabled = true; errorBox.hidden = true;
    if (real) {  // Stripe confirms, runs 3-D Secure, then sends the buyer to the return address
      var result = await stripe.confirmPayment({elements: elements, confirmParams: {return_url: form.dataset.return}});
      if (result.error) show(result.error.message);
      return;
    }
    var tokenised = await stripe.createToken(element);
    if (tokenised.error) { show(tokenised.error.message); return; }
    var body = new URLSearchParams({payment_method: tokenised.token.card.id});
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var response = await fetch(form.dataset.step, {method: "POST", body: body, headers: {"X-CSRFToken": csrf}});
    var answer = await response.json().catch(function () { return {}; });
    if (answer.status === "requires_action") {
      var auth = await stripe.confirmCardPayment(answer.client_secret);
      if (auth.error || (auth.paymentIntent && auth.paymentIntent.status !== "succeeded")) {
        show(auth.error && auth.error.message); return;
      }
    } else if (answer.status !== "succeeded" && answer.status !== "processing") {
      show(answer.message || answer.error); return;
    }
    window.location.href = form.dataset.return;
  });
})();
