"""Who may write (issue 12): users, roles, passwords, API tokens and the audit log. No Flask here."""
