"""Accueil numérique social: graded digital help (coup de pouce to substitution) recorded by CDAS agents.

Sits on the layer of requests, mail and appointments: it writes to the social file's timeline and reads the
citizen reference; the observatory, the portal and the back office use it, never the reverse.
"""
