"""``GET /api/v1/search`` (mounted on ``grc.api.api``)."""

from ninja import Router

router = Router(tags=["recherche"])
