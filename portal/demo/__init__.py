"""The portal's demo data, run by ``seed_demo`` through the demo's seeder registry.

The portal sits above the demo: it registers its seeders from ``PortalConfig.ready``, placed among
the demo's own: the home page before the social files; the catalogue after them, then the demo
portal account's profile (``portal.accounts.demo``), both before the requests, which are filed on the
catalogue's procedures by that account.
"""

from __future__ import annotations

from demo import registry
from portal.accounts import demo as accounts_demo

from . import catalogue, home


def register_seeders() -> None:
    """Register the home page, catalogue and account profile seeders in the demo's registry."""
    registry.register(name="portal.home", seed=home.seed, before=("demo.social_files",))
    registry.register(
        name="portal.catalogue", seed=catalogue.seed, after=("demo.social_files",), before=("demo.requests",)
    )
    registry.register(
        name="portal.accounts", seed=accounts_demo.seed, after=("portal.catalogue",), before=("demo.requests",)
    )
