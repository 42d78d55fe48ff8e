"""billetterie: memberships, tickets, meals and donations sold online by associations."""
