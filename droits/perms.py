"""Droits: perms."""
