"""Back office, the books: payouts."""
