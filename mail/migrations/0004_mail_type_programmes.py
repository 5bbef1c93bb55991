"""Existing mail types learn the programme they lead to (``MailType.programme``), by their code.

Types whose code is not known here keep an empty programme: the functional admin sets it in /cms/.
The old "apa-pch" type leads to the APA / PCH teams, as the new "apa" and "pch" types do.
"""

from django.db import migrations

PROGRAMMES = {
    "transport-scolaire": "transport",
    "rsa": "rsa",
    "apa": "apa_pch",
    "pch": "apa_pch",
    "apa-pch": "apa_pch",
    "pmi": "pmi",
    "ase": "ase",
    "subventions": "subventions",
    "reclamation": "mediation",
    "aide-financiere": "polyvalence",
    "piece-justificative": "polyvalence",
}


def forwards(apps, schema_editor):
    MailType = apps.get_model("mail", "MailType")
    for code, programme in PROGRAMMES.items():
        MailType.objects.filter(code=code, programme="").update(programme=programme)


def backwards(apps, schema_editor):
    apps.get_model("mail", "MailType").objects.update(programme="")


class Migration(migrations.Migration):
    dependencies = [("mail", "0003_classifier_programme")]

    operations = [migrations.RunPython(forwards, backwards)]
