"""Droits: models."""
