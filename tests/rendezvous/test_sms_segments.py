"""How many SMS a text is billed as (GSM 03.38 / 3GPP TS 23.040): the count logged with each SMS. Pure functions,
no database: the limits a provider bills on, checked at their edges."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rendezvous.notifications.sms import count_segments, normalise_mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0, 0)),
        ("a" * 160, ("GSM-7", 1, 160)),  # one SMS holds 160 septets
        ("a" * 161, ("GSM-7", 2, 161)),  # then parts of 153
        ("a" * 306, ("GSM-7", 2, 306)),
        ("a" * 307, ("GSM-7", 3, 307)),
        ("Rendez-vous à 9h, CDAS de Vitré. Ça évite l'attente.", ("GSM-7", 1, 52)),  # é, à, Ç in the alphabet
        ("€" * 80, ("GSM-7", 1, 160)),  # an extension character takes two septets
        ("€" * 81, ("GSM-7", 2, 162)),
        # 306 septets would be two parts of 153, but the € does not fit in part one's last septet: never split.
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3, 306)),
        ("ê" + "a" * 69, ("UCS-2", 1, 70)),  # one character outside the alphabet: UCS-2, 70 units
        ("ê" + "a" * 70, ("UCS-2", 2, 71)),  # then parts of 67
        ("ê" + "a" * 133, ("UCS-2", 2, 134)),
        ("ê" + "a" * 134, ("UCS-2", 3, 135)),
        # 134 units would be two parts of 67, but the surrogate pair (2 units) is never split across parts.
        ("ê" + "a" * 65 + "🙂" + "a" * 66, ("UCS-2", 3, 134)),
    ],
)
def test_segments_are_counted_as_the_provider_bills_them(text, expected):
    segments = count_segments(text)
    assert (segments.encoding, segments.count, segments.units) == expected


def test_a_real_french_reminder_falls_to_ucs2_on_one_accent_outside_the_alphabet():
    gsm = "Rappel : rendez-vous le 12/01 à 10h00, CDAS de Vitré, 12 rue de Paris. Pour annuler : Mon espace."
    assert count_segments(gsm).encoding == "GSM-7" and count_segments(gsm).count == 1
    ucs = gsm.replace("Rappel", "Rappel (fenêtre)")
    assert count_segments(ucs).encoding == "UCS-2" and count_segments(ucs).count == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("06 12 34 56 78", "+33612345678"), ("+33 7 81 23 45 67", "+33781234567"), ("0033612345678", "+33612345678")],
)
def test_mobiles_are_stored_e164(raw, expected):
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("pas un numéro", "illisible"),
        ("06 12", "n'existe pas"),
        ("02 99 02 35 35", "pas un numéro de portable"),  # a fixed line cannot receive an SMS
    ],
)
def test_a_number_that_cannot_take_an_sms_is_refused_in_french(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalise_mobile(raw)
