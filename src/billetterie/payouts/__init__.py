"""What the payment services paid out, matched to the payments and refunds it contains."""
