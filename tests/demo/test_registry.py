"""The demo seeders registry: the order ``seed_demo`` runs the apps' seeders in, and its errors."""

import pytest

from demo import registry
from demo.registry import SeederRegistry


def _noop(*, actor, counts):
    return None


def test_the_installed_apps_register_their_seeders_in_the_order_seed_demo_always_had():
    # Before the registry, seed_demo called: the portal home page, the social files, portal.demo,
    # portal.accounts.demo, then the requests, mail, audit and privacy seeders; the help sessions of the pilot
    # CDAS (issue 17) come after the mail, the appointments (issue 15) last.
    assert [seeder.name for seeder in registry.seeders()] == [
        "portal.home",
        "demo.social_files",
        "portal.catalogue",
        "portal.accounts",
        "demo.requests",
        "demo.mail",
        "demo.accueil",
        "demo.audit",
        "demo.privacy",
        "demo.rendezvous",
        "demo.annuaire",
        "demo.lieux",
        "demo.droits",
    ]


def test_before_and_after_place_a_seeder_registered_later():
    seeders = SeederRegistry()
    seeders.register(name="low.a", seed=_noop)
    seeders.register(name="low.b", seed=_noop, after=("low.a",))
    seeders.register(name="up.x", seed=_noop, after=("low.a",), before=("low.b",))
    seeders.register(name="up.first", seed=_noop, before=("low.a",))
    assert [s.name for s in seeders.ordered()] == ["up.first", "low.a", "up.x", "low.b"]


def test_registering_the_same_seeder_again_is_harmless_and_a_different_one_is_an_error():
    seeders = SeederRegistry()
    seeders.register(name="a", seed=_noop)
    seeders.register(name="a", seed=_noop)
    with pytest.raises(ValueError, match="twice"):
        seeders.register(name="a", seed=_noop, after=("b",))


def test_an_unknown_name_or_a_cycle_fails_loudly():
    unknown = SeederRegistry()
    unknown.register(name="a", seed=_noop, after=("missing",))
    with pytest.raises(ValueError, match="missing"):
        unknown.ordered()
    cycle = SeederRegistry()
    cycle.register(name="a", seed=_noop, after=("b",))
    cycle.register(name="b", seed=_noop, after=("a",))
    with pytest.raises(ValueError, match="wait for each other"):
        cycle.ordered()
