from .citizens import Address, Citizen, ContactPoint, Household, HouseholdMembership
from .identity import CitizenMerge, DuplicateSuspicion
from .organisation import InclusionNetwork, Membership, MembershipRequest, Site, Team, Territory
from .territory import Commune, Epci
from .users import ApiToken, User

__all__ = [
    "Address",
    "ApiToken",
    "Citizen",
    "CitizenMerge",
    "Commune",
    "ContactPoint",
    "DuplicateSuspicion",
    "Epci",
    "Household",
    "HouseholdMembership",
    "InclusionNetwork",
    "Membership",
    "MembershipRequest",
    "Site",
    "Team",
    "Territory",
    "User",
]
