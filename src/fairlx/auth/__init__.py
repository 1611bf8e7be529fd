"""Accounts and how people prove who they are: registration, passwords, email verification, sessions,
magic links, the account lifecycle and account deletion."""
