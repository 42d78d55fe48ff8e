"""Back office, the books: receipts."""
