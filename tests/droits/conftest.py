"""The social-file tests' team and agent (tests/droits/world.py builds them)."""

import pytest

from tests.droits.world import a_team, agent_of


@pytest.fixture
def team():
    return a_team()


@pytest.fixture
def agent(team):
    return agent_of(team)
