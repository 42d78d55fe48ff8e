"""Local fakes of the bank payment services, served by the app itself (the demo, the browser tests).

Each family module plays the bank's side exactly as the real service does it: it checks the
signature of the auto-posted form with the test credentials it registers for its family
(`CREDENTIALS`, see `billetterie_fakes.apps`), shows "Payer" / "Refuser", posts a notice signed
like the real one to our notify URL, and sends the buyer back. Served under /fake-psp/<family>/
while settings.PAYMENT_FAKES is on (off by default; the demo and the tests turn it on)."""
