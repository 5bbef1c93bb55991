"""Demonstration and benchmark data for the GRC: organisation, demo accounts, citizens (``seed_demo``)."""
