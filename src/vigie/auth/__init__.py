"""Who may do what: users, roles, municipality scope, passwords and bearer tokens."""
