"""The territorial observatory: aggregates without personal data, by period, territory and programme.

An oversight app (beside the DPO's tools and privacy): it reads the live data of requests, mail, appointments
and digital help into summary tables refreshed by the scheduler; the back office and the portal show them.
"""
