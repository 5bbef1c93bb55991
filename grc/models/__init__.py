from .citizens import Address, Citizen, ContactPoint, Household, HouseholdMembership
from .identity import CitizenMerge, DuplicateSuspicion
from .organisation import Membership, MembershipRequest, Site, Team, Territory
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
    "MembershipRequest",
    "Site",
    "Team",
    "Territory",
    "User",
]
