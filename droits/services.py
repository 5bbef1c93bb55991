"""Droits: services."""
