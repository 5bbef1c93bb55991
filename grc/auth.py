"""Passing the second factor, for the back office and the portal alike."""

from django.middleware.csrf import rotate_token
from django_otp import login as otp_login


def otp_session_verify(request, device) -> None:
    """Mark the session verified by ``device`` and give it a new key (and CSRF token).

    Django rotates the session key at the password only: a session id captured between the password
    and the code (a fixation planted before login, a shared machine) would otherwise become a fully
    verified session the moment its owner types the code. The session's data is kept.
    """
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)
