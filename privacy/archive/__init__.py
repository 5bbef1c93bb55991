"""The access-right archive (Art. 15 RGPD): everything held about one citizen, as JSON and a readable PDF,
with the files, in one ZIP written to private storage.

What is communicated, and what is not (the archive repeats these rules in its section
"Ce qui n'est pas communiqué"):

* **The person**: identity, addresses, contact points, portal account, the duplicate records merged
  into this one (they are the same person), the GDPR requests they made.
* **Households**: the household's name, the person's own role and dates; **other members by name and
  role** when their time in the household overlapped the person's, by role only otherwise; never their
  birth date, NIR, address or contact points (the one third-party rule, ``docs/data-protection.md``).
* **Social file**: accompaniments (programme, team, dates, status, closing reason), professionals
  following the person (their role), sharing grants (recipient team, purpose, legal basis — Art.
  15(1)(c): recipients), emergency accesses (dates and reason).
* **Notes**: *file* and *team* notes are given in full **except notes the DPO flagged as holding
  third-party information** (``Withholding``; third parties cannot be detected automatically, so the
  rule is: a note is withheld when its author or the DPO says so, and the archive counts them).
  **Private notes** (an author's working notes, *visibility private*) are withheld and counted.
* **Documents**: listed, and their bytes are in the ZIP, except documents flagged like notes.
* **Requests**: procedure, channel, status, answers, decision, the status steps (comments of
  internal steps withheld), the messages and their attachments (files in the ZIP).
* **Mail**: registration number, dates, type, status, sender, recognised text, and the scan.
* **Accesses** to the person's records (access log): when, what, the team and role of the reader, and
  the stated purpose — **not the reader's name** unless the DPO decides so (``include_staff_names``,
  which also names referents and authors).

Nothing else about another person: every query is keyed by the citizen's id (and the ids of records
merged into it), never by a name. The content is collected by ``privacy.person_data`` (the same
collector as the citizen's own download), from the sections the apps register; ``compile`` writes it.
"""

from .compile import (
    FAILURE_NOT_QUEUED,
    FAILURE_OTHER,
    FAILURE_ROLE,
    FAILURE_STALLED,
    FAILURE_STORAGE,
    access_archive_build,
    access_archive_compile,
    access_archive_for_download,
    write_zip,
)

__all__ = [
    "FAILURE_NOT_QUEUED",
    "FAILURE_OTHER",
    "FAILURE_ROLE",
    "FAILURE_STALLED",
    "FAILURE_STORAGE",
    "access_archive_build",
    "access_archive_compile",
    "access_archive_for_download",
    "write_zip",
]
