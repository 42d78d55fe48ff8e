"""Local fakes of the bank payment services, for the demo and the browser tests.

Each family module plays the bank's side exactly as the real service does it: it checks the
signature of the auto-posted form with the published test credentials its provider falls back
to (see `providers/*.py`, FAKE_CREDENTIALS), shows "Payer" / "Refuser", posts a notice signed
like the real one to our notify URL, and sends the buyer back. Served under /fake-psp/<family>/
only while settings.PAYMENT_FAKES is on (off by default; the demo and the tests turn it on)."""
