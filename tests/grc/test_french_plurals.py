"""Counts read as French: 0 and 1 take the singular ("0 dossier", "1 alerte ouverte", "2 alertes
ouvertes"). A plural string missing from locale/fr would follow Django's English fallback."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from grc.management.commands.french_plurals import plural_entries

BLOCK = re.compile(
    r"{%\s*blocktranslate\s+count\s+(\w+)=\S+(?P<rest>[^%]*)%}(?P<singular>.*?){%\s*plural\s*%}(?P<plural>.*?)"
    r"{%\s*endblocktranslate\s*%}",
    re.S,
)


def _plural_blocks():
    base = Path(settings.BASE_DIR)
    for path in sorted(base.glob("**/templates/**/*.html")):
        if {".venv", "node_modules"} & set(path.relative_to(base).parts):
            continue
        for match in BLOCK.finditer(path.read_text(encoding="utf-8")):
            yield pytest.param(match, id=f"{path.relative_to(base)}:{match.group(1)}")


BLOCKS = list(_plural_blocks())


def test_the_templates_have_plural_strings_to_check():
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("count", [0, 1, 2])
def test_plural_strings_follow_the_french_rule(block, count):
    name = block.group(1)
    source = f"{{% load i18n %}}{{% blocktranslate count {name}=n{block.group('rest')}%}}"
    source += f"{block.group('singular')}{{% plural %}}{block.group('plural')}{{% endblocktranslate %}}"
    expected_text = block.group("singular") if count < 2 else block.group("plural")
    context = Context({"n": count, name: count})
    with translation.override("fr"):
        rendered = Template(source).render(context)
    expected = Template(expected_text).render(context)
    assert rendered == expected, "run `manage.py french_plurals` after adding a plural string"


def test_the_catalog_keeps_only_plural_entries_under_a_stable_header():
    po = (
        '# header\nmsgid ""\nmsgstr ""\n"POT-Creation-Date: 2026-11-29 03:16+0100\\n"\n\n'
        'msgid "Usagers"\nmsgstr ""\n\n'
        '#, python-format\nmsgid "%(counter)s dossier"\nmsgid_plural "%(counter)s dossiers"\n'
        'msgstr[0] ""\nmsgstr[1] ""\n'
    )
    written = plural_entries(po)
    assert "POT-Creation-Date" not in written
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in written
    assert "Usagers" not in written
    assert written.endswith('msgid_plural "%(counter)s dossiers"\nmsgstr[0] ""\nmsgstr[1] ""\n')
