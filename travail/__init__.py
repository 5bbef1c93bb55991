"""Travail: the agent's day — tasks, in-app notifications and their daily digest.

Sits beside ``search``, above the services to people (requests, mail, appointments) whose work it
points to, below the oversight apps and the back office. Lower apps tell it what happened through
the events they expose (``demandes.events``: a citizen replied, a document came back), to which
``TravailConfig.ready`` subscribes; they never import it.
"""
