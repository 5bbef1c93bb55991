"""Scenario cards for writing mail evaluation sets and training letters (issue 13, sixth pass).

Writers given one brief converge on the same ways of writing; each letter is instead written from a card drawn
at random here: the type, the register, who writes, the person's commune, whether the birth date is written, the
length, and one or two features of the document. Seeds used on 2026-12-07: 20261207 (set 7, X1:1:5,X2:6:10),
20261208 (set 8, Y1:1:5,Y2:6:10), 20261209 (training letters 101–124, T1:101:106,T2:107:112,T3:113:118,T4:119:124),
20261210 (set 9, Z1:1:5,Z2:6:10), 20261211 (set 10, V1:1:5,V2:6:10), 20261212 (training letters 125–148,
T5:125:130,T6:131:136,T7:137:142,T8:143:148). The communes are a JSON list of [INSEE code, [postcodes], name] (the ``Commune``
table).

    python bench/corpus/scenario_cards.py SEED WRITER:FIRST:LAST[,WRITER:FIRST:LAST...] COMMUNES.json OUTDIR
"""

# ruff: noqa: E501 — the cards' phrases are kept whole, one per line, as the writers read them
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.mail_scans import MAIL_TYPES  # noqa: E402

SEED, SPEC, COMMUNES, OUTDIR = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rng = random.Random(SEED)
with open(COMMUNES, encoding="utf-8") as handle:
    communes = json.load(handle)
TYPES = list(MAIL_TYPES)
REGISTERS = ["formel", "courant", "oral", "sms"]
SENDERS = {
    "citizen": ["the person themself"],
    "family": [
        "a daughter",
        "a son",
        "a husband",
        "a wife",
        "a mother",
        "a father",
        "a grandmother",
        "a brother",
        "a niece",
        "a companion (concubin)",
        "a foster parent",
    ],
    "professional": [
        "a hospital social worker",
        "a GP",
        "a school nurse",
        "a collège CPE",
        "a tutelle/curatelle mandataire (ATI, UDAF or private)",
        "a SSIAD nurse coordinator",
        "a home-help service (SAAD) manager",
        "a CCAS agent",
        "a mairie secretary",
        "a bailleur social's conseillère",
        "a lawyer",
        "a notary",
        "an EHPAD director",
        "a PMI midwife of another département",
        "a juvenile judge's clerk",
        "an employment adviser (France Travail)",
        "a CAF or MSA agent forwarding a letter",
        "a psychologist",
        "an educator of a MECS",
        "a bank's social adviser",
    ],
    "association": [
        "an association's president",
        "an association's treasurer",
        "a volunteer of a charity (Secours populaire, Restos du coeur, Croix-Rouge)",
        "a parents' association",
    ],
}
QUIRKS = [
    "the person is named only in the signature (or only in the sender block at the top), never in the body",
    "a reference line 'Concerne :' or 'Objet :' gives the person as 'NOM Prénom' (surname first), with or without the birth date",
    "three or more people are named (a spouse, a child, a social worker 'Mme ... votre assistante sociale', a doctor): the letter is about only one of them",
    "two documents in one: a short cover note from another body (CAF, MSA, hospital, court, mairie) forwarding the person's own letter below it",
    "hand-written style: no accents, few capitals, abbreviations (mr, mme, ds, pr, tjs, rdv), the surname written once, lower case",
    "the person uses a married or usage name; the birth name appears once ('née ...', 'nom de naissance : ...')",
    "a file or allocataire number is quoted (dossier MDPH, n° allocataire CAF, n° de sécurité sociale partly masked, référence de votre courrier)",
    "a full address block at the top left (name, street, postcode and commune); the body never repeats the name",
    "a compound, particle or apostrophe surname (Le ..., de La ..., L'..., Du ..., a hyphenated double name) and/or a hyphenated first name",
    "an e-mail printed out: From/To/Date/Subject headers, the message, and a quoted earlier message under it",
    "a form-like layout: 'Nom :', 'Prénom :', 'Né(e) le :', 'Adresse :' fields filled in, then two or three lines of free text",
    "the letter is long (a full page): background, several paragraphs, only a small part says what is asked",
    "very short: two or three lines and a signature",
    "the first name comes after the surname in the signature ('DUPONT Marie') and the body says only 'ma mère' / 'mon fils'",
    "a typo or a phonetic spelling of the surname somewhere, the right spelling elsewhere in the letter",
    "the sender writes about a child who has a different surname from the sender (blended family, a grandmother, a foster family)",
]
LENGTH = ["short (3–8 lines)", "medium (10–20 lines)", "long (a full page)"]
WRITERS = [(w.split(":")[0], int(w.split(":")[1]), int(w.split(":")[2])) for w in SPEC.split(",")]
PER_TYPE = sum(b - a + 1 for _, a, b in WRITERS)
cards = []
for t in TYPES:
    for n in range(1, PER_TYPE + 1):
        kind = rng.choices(list(SENDERS), weights=[4, 3, 3, 1])[0]
        if t == "subventions":
            kind = rng.choice(["association", "association", "professional"])
        sender = rng.choice(SENDERS[kind])
        if t == "subventions" and kind == "professional":
            sender = rng.choice(
                [
                    "a mairie's sports and culture officer",
                    "a collège's head teacher for a school trip",
                    "an accountant sending an association's accounts",
                ]
            )
        code, postcodes, name = rng.choice(communes)
        quirks = rng.sample(QUIRKS, k=rng.choice([1, 2, 2]))
        cards.append(
            {
                "file": f"{t}/{n + WRITERS[0][1] - 1:03d}.txt",
                "type": t,
                "register": rng.choices(REGISTERS, weights=[3, 4, 2, 1])[0],
                "sender_kind": kind,
                "sender": sender,
                "commune": f"{name} ({postcodes[0]})",
                "birth_date_in_letter": rng.random() < 0.35,
                "length": rng.choice(LENGTH),
                "quirks": quirks,
            }
        )
for writer, a, b in WRITERS:
    nums = range(a, b + 1)
    with open(f"{OUTDIR}/cards_{writer}.md", "w", encoding="utf-8") as out:
        for c in cards:
            if int(c["file"][-7:-4]) in nums:
                out.write(
                    f"### {c['file']}\n- type: {c['type']}\n- register: {c['register']}\n- sender_kind: {c['sender_kind']} — written by {c['sender']}\n"
                    f"- the person lives in: {c['commune']}\n- birth date written in the letter: {'yes' if c['birth_date_in_letter'] else 'no'}\n"
                    f"- length: {c['length']}\n" + "".join(f"- feature: {q}\n" for q in c["quirks"]) + "\n"
                )
print(len(cards))  # noqa: T201 — a command-line tool
