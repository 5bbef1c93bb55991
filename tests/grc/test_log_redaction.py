"""Application logs never carry the values a database error quotes (a NIR, a name, an e-mail)."""

import io
import logging

import pytest
from django.db import IntegrityError, transaction

from grc.logredact import redact
from tests.factories import CitizenFactory

NIR = "185057800608491"


@pytest.fixture
def console():
    """The configured console handler (settings.LOGGING) writing to a buffer for the test."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_logged_integrity_error_keeps_the_constraint_but_not_the_value(console):
    CitizenFactory(nir=NIR)
    try:
        with transaction.atomic():
            CitizenFactory(nir=NIR)
    except IntegrityError as error:
        assert NIR in str(error)  # what PostgreSQL says, and what would have been logged
        logging.getLogger("grc.retention").exception("retention failed: %s", error)
    written = console.getvalue()
    assert "unique_active_nir" in written and "IntegrityError" in written
    assert NIR not in written


def test_redact_masks_key_values_failing_rows_and_sql_lines():
    text = (
        'duplicate key value violates unique constraint "x"\n'
        "DETAIL:  Key (email, last_name)=(jean@example.org, Dupont (fils)) already exists.\n"
        "Failing row contains (12, Jean, DUPONT).\n"
        "LINE 1: SELECT 'Dupont'\n"
        "               ^\n"
    )
    cleaned = redact(text)
    for value in ("jean@example.org", "Dupont", "DUPONT", "Jean"):
        assert value not in cleaned
    assert 'constraint "x"' in cleaned and "Key (email, last_name)=(…)" in redact("Key (email, last_name)=(a, b)")
