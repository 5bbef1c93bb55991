"""The demo data of the domain apps, one module per app, registered in ``demo.registry`` by ``DemoConfig.ready``.

Order (each after the one before, as ``seed_demo`` always ran them): the social files; the requests
(after the portal's procedures: the portal registers those ``before`` them); the mail (its letters
quote a request's tracking code); the audit rows and alerts; the GDPR register; the appointments.
"""

from __future__ import annotations

from .. import registry
from . import accueil, annuaire, audit, droits, lieux, mail, privacy, rendezvous, requests, social_files

SEEDERS = [
    ("demo.social_files", social_files.seed),
    ("demo.requests", requests.seed),
    ("demo.mail", mail.seed),
    ("demo.accueil", accueil.seed),
    ("demo.audit", audit.seed),
    ("demo.privacy", privacy.seed),
    ("demo.rendezvous", rendezvous.seed),
    ("demo.annuaire", annuaire.seed),
    ("demo.lieux", lieux.seed),
    ("demo.droits", droits.seed),
]


# The seed_demo options a seeder takes (see demo.registry.Seeder.options).
OPTIONS = {"demo.annuaire": ("directory_size",)}


def register_seeders() -> None:
    """Register the domain apps' seeders, each after the previous one."""
    previous: tuple[str, ...] = ()
    for name, seed in SEEDERS:
        registry.register(name=name, seed=seed, after=previous, options=OPTIONS.get(name, ()))
        previous = (name,)
