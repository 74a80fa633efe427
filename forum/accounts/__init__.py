"""Accounts: members, registration, sign-in, the code of conduct."""
