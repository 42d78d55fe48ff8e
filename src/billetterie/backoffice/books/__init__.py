"""Back office, the books: the page that leads to each of them (ledger, invoices, journal…)."""
