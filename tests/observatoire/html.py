"""Reading the observatory page's blocks in tests: one block's section, and its rows' shown cells."""

from __future__ import annotations

import re


def block_section(html: str, key: str) -> str:
    match = re.search(rf'<section class="obs-block" aria-labelledby="titre-{key}">(.*?)</section>', html, re.S)
    assert match, key
    return match.group(1)


def block_rows(section: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", section, re.S)
    return {label: re.findall(r"<td class=\"num\">(.*?)</td>", cells) for label, cells in rows}
