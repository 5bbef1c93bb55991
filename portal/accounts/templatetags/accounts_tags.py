from django import template
from django.conf import settings

from portal.accounts import oidc

register = template.Library()


@register.simple_tag
def oidc_enabled() -> bool:
    """Whether the FranceConnect button is shown (an OIDC provider is configured)."""
    return oidc.is_configured()


@register.simple_tag
def oidc_provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME
