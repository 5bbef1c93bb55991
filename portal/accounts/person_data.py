"""The portal account's section of a person's data (registered from ``apps.py``): the account, and the
identity the person typed or the identity provider sent (``CitizenProfile``)."""

from __future__ import annotations

from grc.person_data_registry import PersonDataSection, iso

from .models import CitizenProfile


def _account(scope):
    user = scope.account
    if user is None:
        return None
    account = {
        "adresse_electronique": user.email,
        "prenom": user.first_name,
        "nom": user.last_name,
        "cree_le": iso(user.date_joined),
        "derniere_connexion": iso(user.last_login),
        "actif": user.is_active,
    }
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is not None:
        account["identite_declaree"] = {
            "nom_de_naissance": profile.birth_name,
            "nom_d_usage": profile.usage_name,
            "prenoms": profile.first_names,
            "date_de_naissance": iso(profile.birth_date),
            "lieu_de_naissance": profile.birth_place,
            "origine": profile.get_source_display(),
        }
    return account


ACCOUNT_SECTION = PersonDataSection(key="compte_du_portail", order=60, build=_account)
