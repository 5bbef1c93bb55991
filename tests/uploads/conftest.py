"""Fixtures of the paths that take a file, borrowed from their own test packages."""

from tests.mail.conftest import mail_team, mailroom_agent  # noqa: F401
from tests.portal.conftest import catalogue, destination_team, home, themes  # noqa: F401
