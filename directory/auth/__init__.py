"""Accounts: sign in, sign out, sign up, password change; the access guards."""
