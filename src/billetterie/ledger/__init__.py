"""The double-entry books: accounts, balanced transactions, the checker, the FEC export."""
