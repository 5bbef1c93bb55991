"""``manage.py french_plurals``: the French catalog that makes plurals follow French rules.

The interface is written in French, so its strings need no translation, except for one thing: a
plural string missing from the catalog follows the English rule in Django, and "0 dossier" came out
as "0 dossiers". This command extracts every plural string (``makemessages``), keeps only those in
``locale/fr/LC_MESSAGES/django.po``, translates each into itself (``msgen``) and compiles the catalog,
which carries the French rule (``plural=(n > 1)``). Both files are committed; run it after adding a
``{% blocktranslate count %}`` or an ``ngettext`` (``tests/grc/test_french_plurals.py`` says so).
Needs the GNU gettext tools (Debian package ``gettext``).
"""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

IGNORED = [".venv/*", "node_modules/*", "tests/*", "bench/*", "var/*", "static_collected/*"]


HEADER = r"""# Written by manage.py french_plurals: plural strings only, each translated into itself.
msgid ""
msgstr ""
"Language: fr\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"""


def plural_entries(po_text: str) -> str:
    """A stable header and the plural entries of a ``.po`` file written by ``makemessages`` (entries
    are separated by blank lines; the first is its header)."""
    blocks = po_text.strip().split("\n\n")[1:]
    return "\n\n".join([HEADER.strip(), *(b for b in blocks if "\nmsgid_plural " in f"\n{b}")]) + "\n"


class Command(BaseCommand):
    help = "Écrit et compile le catalogue français des chaînes au pluriel (règle française : 0 et 1 au singulier)."

    def handle(self, *args, **options):
        msgen = shutil.which("msgen")
        if msgen is None:
            raise CommandError("Outils gettext introuvables : installez le paquet Debian « gettext ».")
        base = Path(settings.BASE_DIR)
        po = base / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        # From scratch: makemessages would merge with the previous catalog and guess fuzzy translations.
        po.unlink(missing_ok=True)
        call_command("makemessages", locale=["fr"], ignore_patterns=IGNORED, no_location=True, verbosity=0)
        text = plural_entries(po.read_text(encoding="utf-8"))
        po.write_text(text, encoding="utf-8")
        subprocess.run([msgen, "--no-wrap", "-o", str(po), str(po)], check=True)  # noqa: S603 (our own file)
        call_command("compilemessages", locale=["fr"], verbosity=0)
        count = text.count("\nmsgid_plural ")
        self.stdout.write(self.style.SUCCESS(f"{count} chaînes au pluriel dans {po.relative_to(base)}, compilé."))
