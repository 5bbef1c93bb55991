"""Account deletion requests made before they opened a GDPR register entry get one now.

Each entry is an erasure request (art. 17) received on the portal on the day the citizen asked
(``requested_at``), so its one-month legal deadline is the honest one (possibly already passed).
Requests already handled get a closed entry (answered or refused on the day they were handled), so
the register is complete. Each entry gets its creation history row.
"""

import datetime

from django.db import migrations
from django.utils import timezone

REASON = "reprise : demande de suppression de compte antérieure au registre"
REFUSAL_WITHOUT_REASON = "Refus enregistré avant la tenue du registre (motif non consigné)."


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _identity(deletion, profile_model):
    name = ""
    if deletion.user_id:
        profile = profile_model.objects.filter(user_id=deletion.user_id).first()
        if profile is not None:
            name = " ".join(filter(None, [profile.first_names.replace(",", ""), profile.usage_name or profile.birth_name]))
        else:
            user = deletion.user
            name = " ".join(filter(None, [user.first_name, user.last_name]))
    lines = [name.strip(), deletion.email, "Compte du portail (demande de suppression du compte)"]
    return "\n".join(line for line in lines if line)


def forwards(apps, schema_editor):
    deletion_model = apps.get_model("portal_accounts", "AccountDeletionRequest")
    profile_model = apps.get_model("portal_accounts", "CitizenProfile")
    gdpr_model = apps.get_model("privacy", "GdprRequest")
    history_model = apps.get_model("privacy", "HistoricalGdprRequest")
    pending = deletion_model.objects.filter(gdpr_request__isnull=True).select_related("user").order_by("requested_at")
    for deletion in pending:
        received_on = timezone.localtime(deletion.requested_at).date()
        prefix = f"RGPD-{received_on.year}-"
        last = (
            gdpr_model.objects.filter(reference__startswith=prefix)
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        entry = gdpr_model(
            reference=f"{prefix}{number:04d}",
            kind="erasure",
            citizen_id=deletion.citizen_id,
            requester_identity=_identity(deletion, profile_model),
            received_on=received_on,
            channel="portal",
            deadline=_add_months(received_on, 1),
            status="received",
        )
        if deletion.status != "open":
            handled = deletion.handled_at or deletion.requested_at
            entry.answered_on = max(timezone.localtime(handled).date(), received_on)
            if deletion.status == "done":
                entry.status = "answered"
            else:
                entry.status = "refused"
                entry.refusal_reason = deletion.handling_note.strip() or REFUSAL_WITHOUT_REASON
        entry.save()
        # Historical models of the migration state send no signal: write the creation row ourselves (unless
        # the real model's signal did, when this runs with the application's registry).
        if history_model.objects.filter(id=entry.pk).exists():
            history_model.objects.filter(id=entry.pk).update(history_change_reason=REASON, history_user_id=None)
        else:
            history_model.objects.create(
                **{field.attname: getattr(entry, field.attname) for field in gdpr_model._meta.concrete_fields},
                history_date=timezone.now(),
                history_type="+",
                history_change_reason=REASON,
                history_user_id=None,
            )
        deletion_model.objects.filter(pk=deletion.pk).update(gdpr_request=entry)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_accounts", "0002_deletion_request_gdpr_request"),
        ("privacy", "0003_access_archive_retention"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
