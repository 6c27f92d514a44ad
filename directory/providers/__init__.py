"""Providers keep their organisation and services current; changes go live after review."""
