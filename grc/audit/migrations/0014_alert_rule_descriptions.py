"""Rules created before the thresholds became editable keep descriptions that state the old fixed values
("la nuit (20 h - 7 h)", "sur 30 jours") next to thresholds the DPO may now change: each description still
equal to its old default text takes the new one. A description someone wrote is left alone."""

from django.db import migrations

# kind: (old default, new default) — frozen copies of grc.audit.alerts.DESCRIPTIONS before and after.
TEXTS = {
    "volume_self": (
        "Lectures de dossiers (usagers distincts par jour) très au-dessus des habitudes de l'agent sur 30 jours "
        "(score z).",
        "Lectures de données de personnes (usagers distincts par jour) très au-dessus des habitudes de l'agent "
        "(score z).",
    ),
    "volume_team": (
        "Lectures de dossiers très au-dessus de la médiane de son équipe le même jour.",
        "Lectures de données de personnes très au-dessus de la médiane de son équipe le même jour.",
    ),
    "out_of_scope": (
        "Lecture d'un dossier qui n'est suivi ni par ses équipes, ni sur son territoire, sans partage ni accès "
        "d'urgence.",
        "Lecture d'un dossier qui n'était, au moment de la lecture, suivi ni par ses équipes, ni sur son "
        "territoire, sans partage en cours ni accès d'urgence.",
    ),
    "off_hours": ("Lectures la nuit (20 h - 7 h) ou le week-end.", "Lectures la nuit ou le week-end."),
    "mass_export": (
        "Nombre d'exports par jour au-delà du seuil.",
        "Nombre d'exports ou volume exporté par jour au-delà du seuil.",
    ),
}


def forwards(apps, schema_editor):
    AlertRule = apps.get_model("audit", "AlertRule")
    for kind, (old, new) in TEXTS.items():
        AlertRule.objects.filter(kind=kind, description=old).update(description=new)


def backwards(apps, schema_editor):
    AlertRule = apps.get_model("audit", "AlertRule")
    for kind, (old, new) in TEXTS.items():
        AlertRule.objects.filter(kind=kind, description=new).update(description=old)


class Migration(migrations.Migration):
    dependencies = [("audit", "0013_alertrule_last_run")]

    operations = [migrations.RunPython(forwards, backwards)]
