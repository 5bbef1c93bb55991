"""The one upload gate: every path that takes a file from outside checks it here, by its content.

``check(upload, policy)`` returns a ``CheckedFile`` (real content type, size, SHA-256, pages) or raises
``UploadRefused`` (a ``ValidationError``) with one French sentence saying what is wrong. Two policies:
``document_policy()`` (social-file documents, request attachments, portal messages and answers) and
``scan_policy()`` (the mailroom's scans, back office and ``POST /api/v1/mail``).

What is refused, in this order: an empty file; a file over the size limit; bytes that are not an
accepted type (the type is read from the content, never from the name or the browser's word); an
extension that does not name that type; HTML or script anywhere in the bytes (``%PDF-`` then
``<html>``, an SVG, a polyglot image); then per type, without ever decoding or decompressing a hostile
file in full (time and memory stay bounded whatever the file claims):

- PDF: compressed streams inflated up to a budget only (a compression bomb stops at the budget),
  image streams' declared pixels, legacy filters we cannot bound, then pdfium for encryption and the
  page count;
- images: the header's pixel count per frame before any decoding (Pillow), frame count, checksums;
- office files (ZIP): the central directory only — entry count, declared uncompressed total and
  per-entry ratio, encrypted entries — then the kind (OOXML / OpenDocument), macros, nested archives.

``screen(files, policy)`` checks a batch: the accepted files and one ``Refusal`` per refused file, so
the other files of a batch still land. ``UploadField`` / ``MultipleUploadField`` put the gate in forms.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

from grc import filetypes
from grc.filetypes import DOCX, EXTENSIONS, JPEG, ODS, ODT, PDF, PNG, TIFF, XLSX, ZIP

MB = 1024 * 1024
DEFAULT_DOCUMENT_MAX_BYTES = 20 * MB
DEFAULT_DOCUMENT_MAX_PAGES = 500
DEFAULT_DOCUMENT_MAX_PIXELS = 60_000_000
DEFAULT_SCAN_MAX_BYTES = 30 * MB
DEFAULT_SCAN_MAX_PAGES = 50
# 60 Mpx per page/frame: an A3 page at 400 dpi fits; a decompression bomb does not.
DEFAULT_SCAN_MAX_PIXELS = 60_000_000
# What the compressed parts of one file may expand to (ZIP entries, PDF streams), and the ratio one
# ZIP entry may reach: real office files stay far below both; bombs reach a thousand to one.
DEFAULT_MAX_UNPACKED_BYTES = 100 * MB
DEFAULT_MAX_RATIO = 200
DEFAULT_ZIP_MAX_ENTRIES = 1000
# Below this an entry's ratio says nothing (a few KB of XML may compress 300 to one).
_RATIO_MIN_SIZE = MB

DOCUMENT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "odt", "ods")
SCAN_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "tif", "tiff")
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}

# Markup a browser would run if the file were ever rendered as HTML (or an SVG): refused in any
# accepted type. Each alternative is long or delimited enough never to occur by chance in compressed data.
_MARKUP = re.compile(
    rb"<(?:script|iframe|!doctype\s+html|(?:html|svg|body)[\s>/])|<\?xml[^>]{0,200}>\s*<svg", re.IGNORECASE
)


def _setting(name: str, default: int) -> int:
    return getattr(settings, name, default)


def human_size(size: int) -> str:
    """``31457280`` → "30 Mo", ``51200`` → "50 Ko" (French decimal comma)."""
    if size >= MB:
        return _("%(n)s Mo") % {"n": f"{round(size / MB, 1):g}".replace(".", ",")}
    return _("%(n)s Ko") % {"n": max(1, round(size / 1024))}


@dataclass(frozen=True)
class Policy:
    """What one upload path accepts: file-name extensions (each naming its content type) and limits."""

    extensions: tuple[str, ...]
    max_bytes: int
    max_pages: int
    max_pixels: int
    # Scanning stations may send nameless files; people choosing a file always have an extension.
    extension_required: bool
    bad_format_message: str
    corrupt_message: str
    pixels_hint: str

    @property
    def types(self) -> frozenset[str]:
        return frozenset(EXTENSIONS[ext] for ext in self.extensions)


def document_policy(*, extensions: Iterable[str] | None = None, max_bytes: int | None = None) -> Policy:
    """Documents people choose on their computer: PDF, PNG, JPEG, Word/Excel, OpenDocument text/spreadsheet.

    ``extensions`` and ``max_bytes`` narrow it for one form field (a procedure's own formats and size);
    ``DOCUMENT_MAX_BYTES`` stays the ceiling.
    """
    ceiling = _setting("DOCUMENT_MAX_BYTES", DEFAULT_DOCUMENT_MAX_BYTES)
    if extensions is None:
        allowed = DOCUMENT_EXTENSIONS
        formats = _("un PDF, une image PNG ou JPEG, ou un document bureautique")
    else:
        allowed = tuple(ext for ext in extensions if ext in DOCUMENT_EXTENSIONS) or ("pdf",)
        formats = _("un fichier %(formats)s") % {"formats": ", ".join(ext.upper() for ext in allowed)}
    return Policy(
        extensions=allowed,
        max_bytes=min(ceiling, max_bytes) if max_bytes else ceiling,
        max_pages=_setting("DOCUMENT_MAX_PAGES", DEFAULT_DOCUMENT_MAX_PAGES),
        max_pixels=_setting("DOCUMENT_MAX_PIXELS", DEFAULT_DOCUMENT_MAX_PIXELS),
        extension_required=True,
        bad_format_message=_("Ce format de fichier n'est pas accepté : déposez %(formats)s.") % {"formats": formats},
        corrupt_message=_("Le fichier est illisible ou endommagé : enregistrez-le à nouveau puis déposez-le."),
        pixels_hint=_("réduisez sa définition"),
    )


def scan_policy() -> Policy:
    """The mailroom's scans: PDF, JPEG, PNG, TIFF (multi-page), limits ``MAIL_MAX_*``."""
    return Policy(
        extensions=SCAN_EXTENSIONS,
        max_bytes=_setting("MAIL_MAX_BYTES", DEFAULT_SCAN_MAX_BYTES),
        max_pages=_setting("MAIL_MAX_PAGES", DEFAULT_SCAN_MAX_PAGES),
        max_pixels=_setting("MAIL_MAX_PIXELS", DEFAULT_SCAN_MAX_PIXELS),
        extension_required=False,
        bad_format_message=_("Ce format n'est pas accepté : déposez un PDF, une image JPEG, PNG ou TIFF."),
        corrupt_message=_("Le fichier est illisible ou endommagé : numérisez à nouveau le document."),
        pixels_hint=_("numérisez à 300 dpi au plus"),
    )


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    page_count: int


class UploadRefused(ValidationError):
    """A file the gate refuses: one French message, a stable code (``empty``, ``too_big``, ``bomb``…)."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Refusal:
    """One refused file of a batch: its name, the French reason and the refusal's code."""

    name: str
    message: str
    code: str

    def notice(self) -> str:
        return _("« %(name)s » n'a pas été enregistré : %(reason)s") % {"name": self.name, "reason": self.message}


def clean_name(upload, default: str = "fichier") -> str:
    """The file's own name without any client-side folder, at most 255 characters."""
    name = os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/"))
    return name[-255:] or default


def _bomb(limit: int) -> UploadRefused:
    return UploadRefused(
        _(
            "Le fichier contient des données compressées anormalement volumineuses (plus de %(max)s une fois "
            "décompressées) : il est refusé."
        )
        % {"max": human_size(limit)},
        "bomb",
    )


def _too_many_pages(count: int, policy: Policy) -> UploadRefused:
    return UploadRefused(
        _("Le document compte %(count)s pages ; au plus %(max)s pages par fichier.")
        % {"count": count, "max": policy.max_pages},
        "too_many_pages",
    )


def _too_large_image(pixels: int | None, policy: Policy) -> UploadRefused:
    limit = round(policy.max_pixels / 1_000_000)
    if pixels is None:  # Pillow refused it before we could read the size: far beyond any real image
        return UploadRefused(
            _("L'image est bien trop grande (plus de %(max)s millions de pixels) : %(hint)s.")
            % {"max": limit, "hint": policy.pixels_hint},
            "too_many_pixels",
        )
    return UploadRefused(
        _("L'image est trop grande (%(mpx)s millions de pixels, au plus %(max)s) : %(hint)s.")
        % {"mpx": round(pixels / 1_000_000), "max": limit, "hint": policy.pixels_hint},
        "too_many_pixels",
    )


# --- PDF ----------------------------------------------------------------------------------------------

_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_FLATE = {b"FlateDecode", b"Fl"}
_ASCII = {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85"}
# Filters that expand a stream but that we cannot measure without a decoder of our own.
_UNBOUNDED = {b"LZWDecode", b"LZW", b"RunLengthDecode", b"RL"}


def _direct_int(dictionary: bytes, key: bytes) -> int | None:
    """``/Key 12`` → 12; an indirect ``/Key 12 0 R`` or no key → None."""
    match = re.search(rb"/" + key + rb"\s+(\d{1,12})(\s+\d+\s+R)?", dictionary)
    if match is None or match.group(2):
        return None
    return int(match.group(1))


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes ``raw`` inflates to, counting no further than ``limit + 1`` (never all of a bomb)."""
    inflater = zlib.decompressobj()
    produced = 0
    pending = raw
    try:
        while pending and not inflater.eof:
            produced += len(inflater.decompress(pending, min(MB, limit + 1 - produced)))
            if produced > limit:
                return produced
            pending = inflater.unconsumed_tail
        produced += len(inflater.flush(MB))
    except zlib.error:
        pass  # a damaged stream is pdfium's to judge, not a bomb
    return produced


def _decode_ascii(raw: bytes, name: bytes) -> bytes:
    try:
        if name in (b"ASCIIHexDecode", b"AHx"):
            return binascii.unhexlify(re.sub(rb"\s", b"", raw.split(b">", 1)[0]) + b"0" * (len(raw) % 2))
        return base64.a85decode(raw.strip().removesuffix(b"~>"), adobe=False, ignorechars=b" \t\n\r\x0c\x00")
    except (ValueError, binascii.Error):
        return b""


def _check_pdf_streams(data: bytes, policy: Policy) -> None:
    """Stream sizes and filters, read from the raw bytes before pdfium inflates anything.

    Image streams are judged by their declared pixels (pdfium decodes them line by line within that
    size); every other Flate stream (content, fonts, object streams) is inflated against one budget
    per file and a ratio per stream, so a compression bomb costs a few MB of inflating at most.
    """
    budget = _setting("UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
    max_ratio = _setting("UPLOAD_MAX_RATIO", DEFAULT_MAX_RATIO)
    remaining = budget
    for match in _STREAM_START.finditer(data):
        header_start = data.rfind(b"obj", max(0, match.start() - 8192), match.start())
        dictionary = data[header_start if header_start >= 0 else max(0, match.start() - 8192) : match.start() + 2]
        filter_match = _FILTER.search(dictionary)
        filters = _NAME.findall(filter_match.group(1)) if filter_match else []
        if _IMAGE.search(dictionary):
            width, height = _direct_int(dictionary, b"Width"), _direct_int(dictionary, b"Height")
            if width is not None and height is not None and width * height > policy.max_pixels:
                raise _too_large_image(width * height, policy)
            continue
        if not filters:
            continue
        if _UNBOUNDED.intersection(filters):
            raise UploadRefused(
                _(
                    "Le PDF utilise une compression ancienne (LZW) qui ne peut pas être vérifiée : "
                    "enregistrez-le à nouveau au format PDF."
                ),
                "unsupported_compression",
            )
        start = match.end()
        length = _direct_int(dictionary, b"Length")
        if length is None or start + length > len(data):
            end = data.find(b"endstream", start)
            length = (end if end >= 0 else len(data)) - start
        raw = data[start : start + length]
        if filters[0] in _ASCII:
            raw = _decode_ascii(raw, filters[0])
            filters = filters[1:]
        if filters and filters[0] in _FLATE:
            # A stream may not inflate past the file's budget, nor past the ratio once over 1 MB: a bomb
            # is stopped after a few MB instead of after the whole budget.
            limit = min(remaining, max(_RATIO_MIN_SIZE, max_ratio * len(raw)))
            inflated = _inflated_size(raw, limit)
            if inflated > limit:
                raise _bomb(budget)
            remaining -= inflated


def _check_pdf(data: bytes, policy: Policy) -> int:
    _check_pdf_streams(data, policy)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise UploadRefused(
                _("Le PDF est protégé par un mot de passe : déposez une version non chiffrée."), "encrypted"
            ) from None
        raise UploadRefused(policy.corrupt_message, "corrupt") from None
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            raise UploadRefused(_("Le PDF est chiffré : déposez une version non chiffrée."), "encrypted")
        count = len(pdf)
        if count == 0:
            raise UploadRefused(policy.corrupt_message, "corrupt")
        if count > policy.max_pages:
            raise _too_many_pages(count, policy)
        return count
    finally:
        pdf.close()


# --- images -------------------------------------------------------------------------------------------


def _check_image(data: bytes, content_type: str, policy: Policy) -> int:
    corrupt = UploadRefused(policy.corrupt_message, "corrupt")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; ours is stricter and checked on the header below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != _PIL_FORMATS[content_type]:
                    raise corrupt
                count = getattr(image, "n_frames", 1)
                if count > policy.max_pages:
                    raise _too_many_pages(count, policy)
                for frame in range(count):
                    if frame:
                        image.seek(frame)
                    width, height = image.size
                    if width * height > policy.max_pixels:
                        raise _too_large_image(width * height, policy)
                    if width < 1 or height < 1:
                        raise corrupt
                if image.format == "PNG":
                    image.verify()  # chunk checksums and the end marker, without inflating the pixels
                elif image.format == "JPEG":
                    # Decoded at 1/8 scale: finds a truncated file for a fraction of a full decode.
                    image.draft("L", (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
                    image.load()
                # TIFF frames are not decoded here (up to 50 x 60 Mpx): the recognition worker does it
                # and sends an unreadable scan to the manual queue.
                return count
    except Image.DecompressionBombError:
        raise _too_large_image(None, policy) from None
    except UploadRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        raise corrupt from None


# --- office files (ZIP) -------------------------------------------------------------------------------

_NESTED_EXTENSIONS = (".zip", ".jar", ".docx", ".docm", ".xlsx", ".xlsm", ".pptx", ".odt", ".ods", ".odp", ".gz")
_NESTED_SIGNATURES = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0")


def _check_office(data: bytes, policy: Policy) -> str:
    """The office type inside a ZIP, judged from its central directory (never inflated in full)."""
    corrupt = UploadRefused(policy.corrupt_message, "corrupt")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise corrupt from None
    with archive:
        entries = archive.infolist()
        max_entries = _setting("UPLOAD_ZIP_MAX_ENTRIES", DEFAULT_ZIP_MAX_ENTRIES)
        if len(entries) > max_entries:
            raise UploadRefused(
                _("Le document contient trop d'éléments (%(count)s, au plus %(max)s) : il est refusé.")
                % {"count": len(entries), "max": max_entries},
                "too_many_entries",
            )
        budget = _setting("UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
        # Declared sizes are what zipfile (and any reader after us) will inflate an entry to, no more.
        if sum(entry.file_size for entry in entries) > budget:
            raise _bomb(budget)
        max_ratio = _setting("UPLOAD_MAX_RATIO", DEFAULT_MAX_RATIO)
        for entry in entries:
            if entry.file_size > _RATIO_MIN_SIZE and entry.file_size > max_ratio * max(1, entry.compress_size):
                raise _bomb(budget)
            if entry.flag_bits & 0x1:
                raise UploadRefused(
                    _("Le document est protégé par un mot de passe : déposez une version non protégée."),
                    "encrypted",
                )
        names = {entry.filename for entry in entries}
        content_type = None
        if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
            try:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError):
                raise corrupt from None
            content_type = mimetype if mimetype in (ODT, ODS) else None
        elif "[Content_Types].xml" in names:
            if any(name.startswith("word/") for name in names):
                content_type = DOCX
            elif any(name.startswith("xl/") for name in names):
                content_type = XLSX
        if content_type is None:
            raise UploadRefused(policy.bad_format_message, "bad_format")
        if any(name.lower().endswith("vbaproject.bin") or name.startswith("Basic/") for name in names):
            raise UploadRefused(
                _("Le document contient des macros : enregistrez-le sans macros (.docx, .xlsx, .odt ou .ods)."),
                "macros",
            )
        for entry in entries:
            if entry.is_dir():
                continue
            nested = entry.filename.lower().endswith(_NESTED_EXTENSIONS)
            if not nested:
                try:
                    with archive.open(entry) as member:
                        nested = member.read(4).startswith(_NESTED_SIGNATURES)
                except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError):
                    raise corrupt from None
            if nested:
                raise UploadRefused(
                    _(
                        "Le document contient une archive ou un fichier incorporé : enregistrez-le sans objet "
                        "incorporé puis déposez-le."
                    ),
                    "nested_archive",
                )
        return content_type


# --- the gate -----------------------------------------------------------------------------------------


def _read(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    upload.seek(0)
    return data


def check(upload, policy: Policy) -> CheckedFile:
    """Check one uploaded file against ``policy``; raise ``UploadRefused`` (French message) if refused.

    A file already checked against the same policy in this request (a form field, then the service)
    is not read twice: the result is kept on the upload object.
    """
    cached = getattr(upload, "_grc_upload_check", None)
    if cached is not None and cached[0] == policy:
        return cached[1]
    checked = _check(upload, policy)
    upload._grc_upload_check = (policy, checked)
    return checked


def _check(upload, policy: Policy) -> CheckedFile:
    size = getattr(upload, "size", None)
    data = None
    if size is None:
        data = _read(upload)
        size = len(data)
    if not size:
        raise UploadRefused(_("Le fichier est vide."), "empty")
    if size > policy.max_bytes:
        raise UploadRefused(
            _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {"max": human_size(policy.max_bytes)},
            "too_big",
        )
    if data is None:
        data = _read(upload)
    sniffed = filetypes.sniff(data[:16])
    if sniffed is None or (sniffed != ZIP and sniffed not in policy.types):
        raise UploadRefused(policy.bad_format_message, "bad_format")
    if sniffed == ZIP and not policy.types.intersection(filetypes.OFFICE_TYPES):
        raise UploadRefused(policy.bad_format_message, "bad_format")
    extension = os.path.splitext(clean_name(upload, ""))[1].lower().lstrip(".")
    if extension or policy.extension_required:
        if extension not in policy.extensions:
            raise UploadRefused(policy.bad_format_message, "bad_format")
        if sniffed != ZIP and EXTENSIONS[extension] != sniffed:
            raise UploadRefused(
                _("Le contenu du fichier ne correspond pas à son extension « %(ext)s ».") % {"ext": extension or "—"},
                "extension_mismatch",
            )
    if _MARKUP.search(data):
        raise UploadRefused(
            _("Le fichier contient du code HTML ou un script : ce n'est pas un document sûr, il est refusé."),
            "active_content",
        )
    page_count = 1
    if sniffed == PDF:
        page_count = _check_pdf(data, policy)
        content_type = PDF
    elif sniffed == ZIP:
        content_type = _check_office(data, policy)
        if content_type not in policy.types:
            raise UploadRefused(policy.bad_format_message, "bad_format")
        if extension and EXTENSIONS[extension] != content_type:
            raise UploadRefused(
                _("Le contenu du fichier ne correspond pas à son extension « %(ext)s ».") % {"ext": extension},
                "extension_mismatch",
            )
    else:
        page_count = _check_image(data, sniffed, policy)
        content_type = sniffed
    return CheckedFile(
        content_type=content_type, size=size, sha256=hashlib.sha256(data).hexdigest(), page_count=page_count
    )


def screen(files: Iterable, policy: Policy) -> tuple[list, list[Refusal]]:
    """Check a batch: (the accepted uploads, one ``Refusal`` per refused file), in the order given."""
    accepted, refused = [], []
    for upload in files:
        if upload is None:
            continue
        try:
            check(upload, policy)
        except UploadRefused as exc:
            refused.append(Refusal(name=clean_name(upload), message=exc.messages[0], code=exc.code))
        else:
            accepted.append(upload)
    return accepted, refused


# --- form fields --------------------------------------------------------------------------------------


class UploadField(forms.FileField):
    """One file, through the gate: a refused file is a French error on the field."""

    def __init__(self, *args, policy: Callable[[], Policy] = document_policy, **kwargs):
        self.policy = policy
        kwargs.setdefault("allow_empty_file", True)  # the gate says it in its own words
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check(upload, self.policy())
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class Screened(list):
    """The accepted files of a multiple upload field; ``refused`` lists the others (one ``Refusal`` each)."""

    def __init__(self, accepted=(), refused=()):
        super().__init__(accepted)
        self.refused = list(refused)


class MultipleUploadField(forms.FileField):
    """Several files, each through the gate: the good ones are the value, the refused ones ``value.refused``.

    A refused file does not invalidate the form: the view saves the rest and says which were refused.
    """

    def __init__(self, *args, policy: Callable[[], Policy] = document_policy, **kwargs):
        self.policy = policy
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        uploads = [single(item, initial) for item in items if item]
        accepted, refused = screen(uploads, self.policy())
        return Screened(accepted, refused)


def refusal_notices(value) -> list[str]:
    """The French notices for the files a ``MultipleUploadField`` refused (none for anything else)."""
    return [refusal.notice() for refusal in getattr(value, "refused", ())]
