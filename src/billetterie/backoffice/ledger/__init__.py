"""Back office, the books: ledger."""
