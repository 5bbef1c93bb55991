"""Annuaire social: the directory of social structures and their services, on the data·inclusion v1 schema.

Sits beside requests, on the services-to-people layer: it reads the territory reference and writes orientations
to the social file's timeline; the map of digital-inclusion places (mednum), the portal and the back office use
it, never the reverse.
"""
