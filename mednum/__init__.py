"""Lieux de médiation numérique: the collaborative map of digital-inclusion places (schema v1.0.1).

Sits above the directory (a place belongs to a structure of the annuaire and is edited by its representatives)
and below help sessions, appointments and the observatory, which orient people to places and count them.
"""
