"""Droits: selectors."""
