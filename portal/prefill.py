"""Prefill of a procedure form from the account filing it (the ``prefill`` of each form field).

Only what the account holder typed or received about themselves (their account and identity
profile, ``portal.accounts.selectors.profile_of``) and the structure they act for: never the
citizen record of the Département.
"""

from __future__ import annotations

from portal.accounts.selectors import profile_of


def prefill_initial(*, page, user, organisation=None) -> dict:
    """The initial answers of ``page``'s form for ``user`` (acting for ``organisation`` if given)."""
    sources = {field.clean_name: field.prefill for field in page.form_fields.all() if field.prefill}
    if not sources:
        return {}
    profile = profile_of(user=user)
    values = {"email": user.email}
    if profile is not None:
        values.update(
            last_name=profile.usage_name or profile.birth_name,
            first_names=profile.first_names,
            birth_date=profile.birth_date.isoformat() if profile.birth_date else "",
        )
    if organisation is not None:
        values.update(
            organisation_name=organisation.name,
            organisation_siret=organisation.siret,
            organisation_rna=organisation.rna,
        )
    return {name: values[source] for name, source in sources.items() if values.get(source)}
