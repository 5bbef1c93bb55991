"""Realistic French letters for the mail tests and benchmarks, drawn with Pillow (no fixtures on disk).

A ``Letter`` holds what a citizen writes (sender, address, date, object, body mentioning a birth date,
a file number or a request tracking code, signature); ``render`` draws it as page images the way a
scanner would give them, optionally rotated (90/180/270), slightly skewed, speckled and blurred; the
``*_bytes`` helpers encode them as PNG, JPEG, multi-page TIFF or an image PDF (one scanned image per
page, like a scanning station produces).

    letter = make_letter(seed=3, kind="rsa", birth_date=datetime.date(1984, 5, 12))
    data = pdf_bytes(letter, pages=2, rotate=90, noise=0.02)
    upload = as_upload(data, "courrier.pdf")

``LETTER_KINDS`` has eleven kinds of letters (code, label, subjects, body sentences, keywords) so a
benchmark can generate a few hundred letters of different kinds deterministically (``seed``).
"""

from __future__ import annotations

import datetime
import io
import os
import random
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf"}

FIRST_NAMES = [
    "Marie", "Jean", "Nathalie", "Pierre", "Sophie", "Yann", "Isabelle", "Philippe", "Catherine", "Nicolas",
    "Sandrine", "Gwenaël", "Nolwenn", "Julien", "Céline", "Thierry", "Aurélie", "Karim", "Fatima", "Loïc",
    "Élodie", "François", "Maëlle", "Hervé", "Anne", "Erwan", "Christine", "Mohamed", "Laëtitia", "Stéphane",
]  # fmt: skip
LAST_NAMES = [
    "Le Gall", "Martin", "Bernard", "Le Bihan", "Rouxel", "Jégou", "Hamon", "Riou", "Tanguy", "Lebreton",
    "Morvan", "Guillou", "Le Corre", "Benali", "Durand", "Leroux", "Chevalier", "Moreau", "Gautier", "Perrin",
    "Le Goff", "Lemoine", "Kerhervé", "Collet", "Boulanger", "Pichon", "Lefèvre", "Robin", "Renaud", "Fournier",
]  # fmt: skip
STREETS = [
    "rue de la Motte", "boulevard de la Liberté", "rue Saint-Malo", "avenue Janvier", "rue de Fougères",
    "place des Lices", "rue du Général de Gaulle", "allée des Tilleuls", "rue de Nantes", "chemin des Landes",
    "rue Jean Jaurès", "impasse des Ajoncs", "rue de la Poterie", "quai Duguay-Trouin", "rue des Forges",
]  # fmt: skip
CITIES = [
    ("35000", "Rennes"), ("35500", "Vitré"), ("35400", "Saint-Malo"), ("35300", "Fougères"), ("35600", "Redon"),
    ("35170", "Bruz"), ("35510", "Cesson-Sévigné"), ("35740", "Pacé"), ("35800", "Dinard"),
    ("35160", "Montfort-sur-Meu"), ("35230", "Noyal-Châtillon-sur-Seiche"), ("35580", "Guichen"),
    ("35120", "Dol-de-Bretagne"), ("35370", "Argentré-du-Plessis"),
]  # fmt: skip
MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


@dataclass(frozen=True)
class LetterKind:
    code: str
    label: str
    subjects: tuple[str, ...]
    sentences: tuple[str, ...]
    keywords: tuple[str, ...]


LETTER_KINDS: dict[str, LetterKind] = {
    kind.code: kind
    for kind in [
        LetterKind(
            "rsa",
            "Revenu de solidarité active",
            ("Demande de revenu de solidarité active", "Ma demande de RSA", "Renouvellement de mes droits au RSA"),
            (
                "Je sollicite l'ouverture de mes droits au revenu de solidarité active.",
                "Je suis sans emploi depuis plusieurs mois et mes ressources ne me permettent plus de vivre.",
                "Vous trouverez ci-joint ma déclaration trimestrielle de ressources pour le RSA.",
            ),
            ("RSA", "revenu de solidarité active", "déclaration trimestrielle"),
        ),
        LetterKind(
            "apa",
            "Allocation personnalisée d'autonomie",
            (
                "Demande d'allocation personnalisée d'autonomie",
                "Dossier APA de ma mère",
                "Révision de mon plan d'aide APA",
            ),
            (
                "Je souhaite déposer une demande d'allocation personnalisée d'autonomie pour mon père.",
                "Son état de santé s'est dégradé et il a besoin d'une aide à domicile chaque matin.",
                "Je vous demande une révision du plan d'aide APA et une nouvelle évaluation.",
            ),
            ("APA", "allocation personnalisée d'autonomie", "aide à domicile", "perte d'autonomie"),
        ),
        LetterKind(
            "pch",
            "Handicap (PCH, MDPH)",
            ("Prestation de compensation du handicap", "Dossier MDPH de mon fils", "Demande de PCH"),
            (
                "Je souhaite bénéficier de la prestation de compensation du handicap pour aménager mon logement.",
                "Mon fils est reconnu handicapé par la MDPH et nous avons besoin d'une aide humaine.",
                "Je joins le certificat médical demandé par la maison départementale des personnes handicapées.",
            ),
            ("PCH", "MDPH", "handicap", "compensation"),
        ),
        LetterKind(
            "transport",
            "Transport scolaire adapté",
            ("Transport scolaire adapté pour mon enfant", "Demande de transport scolaire adapté"),
            (
                "Mon enfant en situation de handicap ne peut pas prendre le car scolaire.",
                "Je sollicite la prise en charge d'un transport scolaire adapté pour la rentrée.",
                "Le trajet entre notre domicile et son établissement scolaire est de douze kilomètres.",
            ),
            ("transport scolaire", "établissement scolaire", "rentrée", "trajet"),
        ),
        LetterKind(
            "pmi",
            "Protection maternelle et infantile",
            ("Consultation de PMI", "Agrément d'assistante maternelle", "Suivi de grossesse à la PMI"),
            (
                "Je souhaite obtenir un rendez-vous avec la puéricultrice de la PMI pour mon bébé.",
                "Je dépose une demande d'agrément d'assistante maternelle pour accueillir trois enfants.",
                "Je suis enceinte de cinq mois et je souhaite un suivi par la sage-femme de la PMI.",
            ),
            ("PMI", "puéricultrice", "assistante maternelle", "grossesse", "sage-femme"),
        ),
        LetterKind(
            "ase",
            "Aide sociale à l'enfance",
            ("Aide sociale à l'enfance", "Accueil de mon neveu", "Demande d'aide éducative"),
            (
                "Je rencontre des difficultés éducatives avec mon adolescent et je sollicite une aide.",
                "Je souhaite être reçue par un éducateur de l'aide sociale à l'enfance.",
                "Je demande des nouvelles de mon enfant placé et un droit de visite.",
            ),
            ("aide sociale à l'enfance", "éducateur", "placement", "éducative"),
        ),
        LetterKind(
            "fsl",
            "Fonds de solidarité logement",
            ("Aide au logement : impayés de loyer", "Demande au fonds de solidarité logement"),
            (
                "Je ne parviens plus à payer mon loyer et mon bailleur menace de m'expulser.",
                "Je sollicite une aide du fonds de solidarité logement pour ma facture d'énergie.",
                "Je dois verser un dépôt de garantie pour entrer dans mon nouveau logement.",
            ),
            ("FSL", "loyer", "logement", "bailleur", "expulsion", "énergie"),
        ),
        LetterKind(
            "reclamation",
            "Réclamation",
            ("Réclamation", "Contestation d'une décision", "Recours contre un refus"),
            (
                "Je conteste la décision que vous m'avez notifiée le mois dernier.",
                "Je n'ai reçu aucune réponse malgré mes nombreux appels et je suis très mécontent.",
                "Je forme un recours gracieux contre le refus opposé à ma demande.",
            ),
            ("réclamation", "conteste", "recours", "mécontent"),
        ),
        LetterKind(
            "justificatif",
            "Pièce justificative",
            ("Envoi de pièces justificatives", "Documents complémentaires", "Justificatifs demandés"),
            (
                "Suite à votre courrier, je vous adresse les pièces justificatives demandées.",
                "Vous trouverez ci-joint mon avis d'imposition et un justificatif de domicile.",
                "Je vous transmets la copie de ma pièce d'identité et mon relevé d'identité bancaire.",
            ),
            ("ci-joint", "justificatif", "pièces", "avis d'imposition"),
        ),
        LetterKind(
            "adresse",
            "Changement de situation",
            ("Changement d'adresse", "Changement de situation familiale"),
            (
                "Je vous informe de mon déménagement à la nouvelle adresse indiquée ci-dessus.",
                "Ma situation familiale a changé : je suis séparée depuis le mois dernier.",
                "Merci de mettre à jour mes coordonnées dans votre dossier.",
            ),
            ("déménagement", "changement", "nouvelle adresse", "situation familiale"),
        ),
        LetterKind(
            "subvention",
            "Subvention association",
            ("Demande de subvention", "Subvention pour notre association sportive"),
            (
                "Notre association culturelle sollicite une subvention pour son festival d'été.",
                "Le club sportif accueille cent vingt jeunes et demande une aide au fonctionnement.",
                "Vous trouverez ci-joint le budget prévisionnel et les statuts de l'association.",
            ),
            ("subvention", "association", "budget prévisionnel", "club"),
        ),
    ]
}


@dataclass
class Letter:
    first_name: str
    last_name: str
    street: str
    postcode: str
    city: str
    date: datetime.date
    kind: str
    subject: str
    paragraphs: list[str]
    birth_date: datetime.date | None = None
    file_number: str = ""
    tracking_code: str = ""
    nir: str = ""
    extra: list[str] = field(default_factory=list)

    @property
    def sender_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"{self.postcode} {self.city}"]

    def header_lines(self) -> list[tuple[str, str]]:
        """(style, text) lines of the first page; style is "bold", "regular" or "" (blank line)."""
        lines = [("bold", self.sender_name), *(("regular", line) for line in self.address_lines), ("", "")]
        lines += [
            ("regular", "Conseil départemental d'Ille-et-Vilaine"),
            ("regular", "1 avenue de la Préfecture"),
            ("regular", "35042 Rennes Cedex"),
            ("", ""),
            ("regular", f"{self.city}, le {french_date(self.date)}"),
            ("", ""),
            ("bold", f"Objet : {self.subject}"),
        ]
        references = []
        if self.file_number:
            references.append(f"Dossier n° {self.file_number}")
        if self.tracking_code:
            references.append(f"Demande n° {self.tracking_code}")
        if references:
            lines.append(("regular", "Référence : " + " - ".join(references)))
        lines.append(("", ""))
        return lines

    def body_paragraphs(self) -> list[str]:
        paragraphs = ["Madame, Monsieur,"]
        identity = f"Je soussigné(e) {self.sender_name}"
        if self.birth_date:
            identity += f", né(e) le {self.birth_date:%d/%m/%Y}"
        if self.nir:
            identity += f", numéro de sécurité sociale {self.nir}"
        paragraphs.append(identity + ", demeurant " + ", ".join(self.address_lines) + ".")
        paragraphs += self.paragraphs
        if self.file_number:
            paragraphs.append(f"Mon numéro de dossier est le {self.file_number}.")
        if self.tracking_code:
            paragraphs.append(f"Ma demande porte le numéro de suivi {self.tracking_code}.")
        paragraphs += self.extra
        paragraphs.append("Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.")
        return paragraphs

    @property
    def text(self) -> str:
        """Everything written on the letter, for assertions."""
        header = "\n".join(text for _style, text in self.header_lines())
        return header + "\n" + "\n".join(self.body_paragraphs()) + "\n" + self.sender_name


def french_date(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def make_letter(seed: int | None = None, *, kind: str | None = None, **fields) -> Letter:
    """A plausible letter; every field can be forced (``first_name``, ``birth_date``, ``tracking_code``...)."""
    rng = random.Random(seed)
    kind = kind or rng.choice(sorted(LETTER_KINDS))
    spec = LETTER_KINDS[kind]
    postcode, city = rng.choice(CITIES)
    values = {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES).upper(),
        "street": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        "postcode": postcode,
        "city": city,
        "date": datetime.date(2026, rng.randint(1, 11), rng.randint(1, 28)),
        "kind": kind,
        "subject": rng.choice(spec.subjects),
        "paragraphs": rng.sample(list(spec.sentences), k=2),
        "birth_date": datetime.date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)),
    }
    values.update(fields)
    return Letter(**values)


# -- drawing ------------------------------------------------------------------------------------


def _font(style: str, size: int):
    path = os.path.join(FONT_DIR, FONT_FILES.get(style or "regular", FONT_FILES["regular"]))
    if os.path.exists(path):
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's scalable built-in font


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def render(
    letter: Letter,
    *,
    pages: int = 1,
    dpi: int = 200,
    rotate: int = 0,
    skew: float = 0.0,
    noise: float = 0.0,
    blur: float = 0.0,
    seed: int = 0,
) -> list[Image.Image]:
    """The letter as grayscale A4 page images at ``dpi``.

    ``pages`` > 1 spreads the body over several pages ("Page 2/3" footers, a follow-up paragraph on
    each); ``rotate`` (0/90/180/270, counter-clockwise) turns every page as a sheet fed sideways;
    ``skew`` (degrees) tilts it slightly; ``noise`` is the share of speckled pixels (0.02 = 2 %);
    ``blur`` a Gaussian radius in pixels.
    """
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = round(0.9 * dpi)
    size = round(12 / 72 * dpi)  # 12 pt
    line_height = round(size * 1.45)
    fonts = {style: _font(style, size) for style in ("regular", "bold")}

    # Lay out every line first, then cut into pages.
    scratch = ImageDraw.Draw(Image.new("L", (10, 10)))
    lines: list[tuple[str, str]] = list(letter.header_lines())
    body = letter.body_paragraphs()
    for index, paragraph in enumerate(body):
        for line in _wrap(scratch, paragraph, fonts["regular"], width - 2 * margin):
            lines.append(("regular", line))
        lines.append(("", ""))
        if pages > 1 and index == len(body) // 2:
            lines.append(("page", ""))
    lines += [("", ""), ("regular", letter.sender_name), ("signature", letter.sender_name)]

    chunks: list[list[tuple[str, str]]] = [[]]
    for line in lines:
        if line[0] == "page":
            chunks.append([])
        else:
            chunks[-1].append(line)
    while len(chunks) < pages:
        chunks.append(
            [("regular", f"Suite de mon courrier du {french_date(letter.date)}."), ("", "")]
            + [
                ("regular", text)
                for text in _wrap(scratch, letter.paragraphs[-1], fonts["regular"], width - 2 * margin)
            ]
        )
    chunks = chunks[:pages] if pages > 1 else [sum(chunks, [])]

    rng = random.Random(seed)
    images = []
    for number, chunk in enumerate(chunks, start=1):
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        y = margin
        for style, text in chunk:
            if style == "signature":
                _signature(draw, margin + size, y, size, rng)
                y += 2 * line_height
            elif text:
                draw.text((margin, y), text, font=fonts[style], fill=20)
            y += line_height
        if len(chunks) > 1:
            footer = f"Page {number}/{len(chunks)}"
            draw.text((width - margin - draw.textlength(footer, font=fonts["regular"]), height - margin), footer,
                      font=fonts["regular"], fill=20)  # fmt: skip
        images.append(_degrade(image, rotate=rotate, skew=skew, noise=noise, blur=blur, rng=rng))
    return images


def _signature(draw, x: int, y: int, size: int, rng: random.Random) -> None:
    points = [(x + i * size // 3, y + rng.randint(0, size)) for i in range(12)]
    draw.line(points, fill=40, width=max(2, size // 10), joint="curve")


def _degrade(image, *, rotate: int, skew: float, noise: float, blur: float, rng: random.Random):
    if skew:
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if rotate % 360:
        image = image.rotate(rotate % 360, expand=True)
    if noise:
        pixels = image.load()
        width, height = image.size
        for _i in range(int(width * height * noise)):
            px, py = rng.randrange(width), rng.randrange(height)
            pixels[px, py] = 0 if rng.random() < 0.7 else 255
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return image


# -- encodings ----------------------------------------------------------------------------------


def _encode(images, fmt: str, dpi: int, **options) -> bytes:
    buffer = io.BytesIO()
    first, rest = images[0], images[1:]
    if rest:
        options.update(save_all=True, append_images=rest)
    first.save(buffer, fmt, dpi=(dpi, dpi), **options)
    return buffer.getvalue()


def png_bytes(letter: Letter, *, dpi: int = 200, **options) -> bytes:
    return _encode(render(letter, dpi=dpi, **options)[:1], "PNG", dpi, optimize=False)


def jpeg_bytes(letter: Letter, *, dpi: int = 200, quality: int = 80, **options) -> bytes:
    return _encode(render(letter, dpi=dpi, **options)[:1], "JPEG", dpi, quality=quality)


def tiff_bytes(letter: Letter, *, pages: int = 2, dpi: int = 200, **options) -> bytes:
    """A multi-page TIFF (one frame per page), LZW-compressed like many scanners write."""
    return _encode(render(letter, pages=pages, dpi=dpi, **options), "TIFF", dpi, compression="tiff_lzw")


def pdf_bytes(letter: Letter, *, pages: int = 1, dpi: int = 200, **options) -> bytes:
    """An image PDF, one scanned page image per page (what a scanning station produces)."""
    images = render(letter, pages=pages, dpi=dpi, **options)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return buffer.getvalue()


def as_upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """Bytes as an uploaded file; the declared type is deliberately meaningless (intake sniffs the bytes)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


# -- bad inputs ---------------------------------------------------------------------------------


def encrypted_pdf_bytes(password: str = "secret") -> bytes:
    """A text PDF protected by a user password (reportlab's standard encryption)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=password)
    pdf.drawString(72, 760, "Courrier confidentiel")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_bomb_png(side: int = 30_000) -> bytes:
    """A tiny PNG declaring ``side`` x ``side`` pixels (900 million by default): a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grayscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _i in range(64)) + compressor.flush()  # truncated on purpose
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def blank_pdf_bytes(pages: int = 1) -> bytes:
    """A PDF of ``pages`` empty A4 pages (page-limit tests without drawing letters)."""
    images = [Image.new("L", (200, 283), 255) for _i in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=24.0)
    return buffer.getvalue()
