"""Back office, the books: ticketing."""
