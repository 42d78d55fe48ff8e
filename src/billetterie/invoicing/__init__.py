"""Invoices and credit notes, numbered without gap; Factur-X; the contract of orders paid in parts."""
