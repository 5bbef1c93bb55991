from .citizens import Address, Citizen, ContactPoint, Household, HouseholdMembership
from .identity import CitizenMerge, DuplicateSuspicion
from .organisation import Membership, Site, Team, Territory
from .users import ApiToken, User

__all__ = [
    "Address",
    "ApiToken",
    "Citizen",
    "CitizenMerge",
    "ContactPoint",
    "DuplicateSuspicion",
    "Household",
    "HouseholdMembership",
    "Membership",
    "Site",
    "Team",
    "Territory",
    "User",
]
