"""Background work on portal accounts (``manage.py db_worker``)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.utils import timezone
from django_tasks import task


@task()
def account_sessions_end(user_id: int) -> int:
    """Delete the live database sessions of the (erased) account ``user_id``; returns how many.

    Django's session table cannot be filtered by user: every live session is decoded. That is why this
    runs in the worker, after the erasure has committed, not in the DPO's request. The sessions could
    no longer log anyone in already (the account is inactive and its password hash, which Django
    checks on each request, has changed): this only removes the rows. Other session engines: nothing.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    decode = store().decode  # {} for an unreadable session
    ended = [
        session.pk
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(decode(session.session_data).get("_auth_user_id")) == str(user_id)
    ]
    if ended:
        model.objects.filter(pk__in=ended).delete()
    return len(ended)
