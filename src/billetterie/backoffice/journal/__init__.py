"""Back office, the books: journal."""
