"""Change requests to baseline scenarios and their approval per commissioner (issue 12). No Flask here."""
