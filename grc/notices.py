"""What the apps that send notices to citizens (requests, appointments) share: a per-thread switch that silences
them (demo seeding, bulk imports, benchmarks) and the absolute base of the links they send.

Each app keeps its own switch (seeding requests silences request notices, not appointment ones), made from
``NoticeSwitch``.
"""

from __future__ import annotations

import contextlib
import threading

from django.conf import settings


class NoticeSwitch:
    """Turned on, per thread, for the duration of a ``with switch.suppressed():`` block (nesting allowed)."""

    def __init__(self):
        self._local = threading.local()

    @contextlib.contextmanager
    def suppressed(self):
        """No notice is scheduled inside this block."""
        previous = getattr(self._local, "on", False)
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = previous

    def is_suppressed(self) -> bool:
        """Whether the current code runs inside ``suppressed()``."""
        return getattr(self._local, "on", False)


def portal_base_url() -> str:
    """The absolute base of links sent to citizens: ``PORTAL_BASE_URL``, else the admin's base URL."""
    return (getattr(settings, "PORTAL_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
