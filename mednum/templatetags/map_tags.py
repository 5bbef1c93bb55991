"""``{% map_tiles as tiles %}``: the optional tile server of the maps (settings.MAP_TILE_URL; none by default)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def map_tiles() -> dict:
    return {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
