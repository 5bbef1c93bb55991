"""Retention: what each rule removes, the dry-run report, the export for the Archives départementales
written before anything is destroyed, and anonymisation that keeps statistics.

One entry point, ``retention_apply(*, rule, actor=None, dry_run=False)``, records a ``RetentionRun``
(who, when, rule, counts, exports). What each purpose keeps, for how long by default, and how it goes
is declared by the app that owns the data, in ``grc.retention_registry`` (``dossier_unique.retention``,
``demandes.retention``, ``mail.retention``, ``grc.audit.retention_purpose``, ``portal.accounts.retention``
and this package's ``purposes``); this package runs them:

* ``rules`` — one rule per registered purpose, created with the purpose's default, edited by the DPO;
* ``run`` — a run in batches: export first (when the rule says so), then destroy/anonymise in one
  transaction; stored files deleted and search documents rebuilt after commit (``forget``);
* ``anonymise`` — after each per-object purpose, a citizen left with nothing any purpose still holds is
  anonymised (names "Anonymisé", birth date → 1 January, NIR, birth place, contact points and address
  lines removed; the same for records merged into it, and in the history);
* ``erasure`` — erasure (Art. 17) decided by the DPO, purpose by purpose, then the identity.

**Propagation**: history rows (django-simple-history) of deleted objects are deleted and those of
anonymised objects rewritten to the anonymised values; timeline entries of deleted sources are
deleted; search documents of the citizen and of deleted objects are rebuilt; stored files are deleted
after the transaction commits (a rollback never loses a file still referenced).
"""

from .anonymise import citizen_anonymise, citizen_is_unused
from .erasure import (
    ERASURE_FAILURE_NOT_QUEUED,
    ERASURE_FAILURE_OTHER,
    ERASURE_FAILURE_ROLE,
    ERASURE_FAILURE_STALLED,
    ERASURE_FAILURE_STORAGE,
    citizen_erase,
    erasure_check,
    erasure_run,
)
from .purposes import accounts_to_warn
from .rules import retention_rule_update, retention_rules_ensure
from .run import order, retention_apply, retention_apply_all

__all__ = [
    "ERASURE_FAILURE_NOT_QUEUED",
    "ERASURE_FAILURE_OTHER",
    "ERASURE_FAILURE_ROLE",
    "ERASURE_FAILURE_STALLED",
    "ERASURE_FAILURE_STORAGE",
    "accounts_to_warn",
    "citizen_anonymise",
    "citizen_erase",
    "citizen_is_unused",
    "erasure_check",
    "erasure_run",
    "order",
    "retention_apply",
    "retention_apply_all",
    "retention_rule_update",
    "retention_rules_ensure",
]
