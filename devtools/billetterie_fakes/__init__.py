"""Local stand-ins of the payment services billetterie speaks to, for the demo and the tests only.

A separate distribution (devtools/pyproject.toml), installed next to the test tools by `make
install` (`pip install -e ".[test]" -e devtools`), never needed in production:

- `banks/`: the bank payment pages served by the app itself under /fake-psp/ (Lyra "vads",
  Worldline SIPS 2). The Django app of this package (`apps.FakesConfig`) is listed in
  INSTALLED_APPS only when settings.PAYMENT_FAKES is on and this package is installed; it then
  registers each page as the stand-in of its family (`payments.providers.bank_common.STAND_INS`).
- `servers/`: the services that run as their own process on 127.0.0.1 (localstripe, PayPal,
  PayFiP), each pointed at through a setting (STRIPE_API_BASE, PAYPAL_API_BASE, PAYFIP_API_BASE).
- `demo.py`: what `billetterie demo` starts, registers and prints when this package is installed.

billetterie itself imports nothing from here."""
