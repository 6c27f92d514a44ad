"""Commissioners review changes and set the minimum offer; administrators manage users."""
