"""Back office, the books: invoices."""
