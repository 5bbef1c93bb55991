"""Exports of one or several blocks in CSV, XLSX (openpyxl) and ODS (odfpy): the protected figures only.

A secret cell is written as its label ("< 5", "secret"), never as a number; the filters and the secrecy rule
are written above each table, so a file read alone says what it is.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook
from openpyxl.styles import Font

from .blocks import Block
from .secrecy import Cell

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _value(cell):
    """A number for a shown count, the label for a secret one, the text of a rate or duration."""
    if isinstance(cell, Cell):
        return cell.value if not cell.is_secret else cell.label
    return cell


def block_rows(block: Block) -> list[list]:
    """The block as rows: header, one row per line, the total row."""
    rows = [list(block.columns)]
    rows += [[row.label, *(_value(c) for c in row.cells)] for row in block.rows]
    if block.total is not None:
        rows.append([block.total.label, *(_value(c) for c in block.total.cells)])
    return rows


def _preamble(description: str) -> list[list]:
    return [
        [_("Observatoire territorial — Département d'Ille-et-Vilaine")],
        [description],
        [_("Secret statistique : effectif de 1 à 4 affiché « < 5 », autres effectifs masqués « secret ».")],
    ]


def to_csv(blocks: list[Block], description: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for line in _preamble(description):
        writer.writerow(line)
    for block in blocks:
        writer.writerow([])
        writer.writerow([block.title])
        writer.writerows(block_rows(block))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read the accents right


def _sheet_title(block: Block, used: set[str]) -> str:
    title = block.title[:31]
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    base, n = title, 2
    while title in used:
        title = f"{base[:28]} {n}"
        n += 1
    used.add(title)
    return title


def to_xlsx(blocks: list[Block], description: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for block in blocks:
        sheet = workbook.create_sheet(_sheet_title(block, used))
        for line in _preamble(description):
            sheet.append(line)
        sheet.append([])
        rows = block_rows(block)
        sheet.append(rows[0])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in rows[1:]:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 45
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _ods_row(values) -> TableRow:
    row = TableRow()
    for value in values:
        if isinstance(value, int):
            cell = TableCell(valuetype="float", value=value)
        else:
            cell = TableCell(valuetype="string")
        cell.addElement(P(text="" if value is None else str(value)))
        row.addElement(cell)
    return row


def to_ods(blocks: list[Block], description: str) -> bytes:
    document = OpenDocumentSpreadsheet()
    used: set[str] = set()
    for block in blocks:
        table = Table(name=_sheet_title(block, used))
        for line in [*_preamble(description), []]:
            table.addElement(_ods_row(line))
        for row in block_rows(block):
            table.addElement(_ods_row(row))
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "ods": to_ods}
