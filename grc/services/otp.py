"""Second-factor devices for staff (django-otp): TOTP enrolment and static backup codes."""

import secrets

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.history import save_tracked

BACKUP_CODE_COUNT = 10


def otp_totp_start(*, user) -> TOTPDevice:
    """Return the user's pending (unconfirmed) TOTP device, creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=False)
    return device


@transaction.atomic
def otp_totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending TOTP device with a first valid code."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def otp_backup_codes_create(*, user, codes: list[str] | None = None) -> list[str]:
    """Replace the user's backup codes with fresh ones (each usable once); returns them in clear once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Codes de secours", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = codes or [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def otp_device_reset(*, device: TOTPDevice | StaticDevice, actor, reason: str = "") -> None:
    """Remove a staff member's second-factor device so they enrol again; the only admin action on devices.

    Secrets are never shown (``grc.admin``): resetting is how an administrator helps an agent who lost
    their phone or codes. The agent's history records who reset which kind of device, and why.
    """
    user = device.user
    kind = "codes de secours" if isinstance(device, StaticDevice) else "application d'authentification"
    device.delete()
    why = f"double authentification réinitialisée ({kind})"
    save_tracked(user, actor, f"{why} : {reason}" if reason else why)
