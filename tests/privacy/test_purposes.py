"""Every retention purpose an app registers is a choice of the DPO's rule, so the DPO's screen names it in
French instead of showing its raw key (the rights estimates' purpose once came without its choice)."""

from grc import retention_registry
from privacy.models import RetentionRule


def test_every_registered_purpose_is_a_named_choice_of_the_rules():
    registered = {purpose.key for purpose in retention_registry.purposes()}
    assert "rights_estimate" in registered
    assert registered - set(RetentionRule.Purpose.values) == set()
    labels = dict(RetentionRule.Purpose.choices)
    assert str(labels["rights_estimate"]).startswith("Estimations des droits")
