"""Donation tax receipts (Cerfa 11580) and the yearly declaration's figures."""
