"""Online appointments (prise de rendez-vous): lieux, motifs, opening slots, appointments and their participants.

Sits on the layer of requests and mail: it may use the social file (timeline), the citizen reference and
identity matching; the portal and the back office use it, never the reverse.
"""
