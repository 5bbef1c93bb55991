"""Requests endpoints under ``/api/v1/`` (mounted on ``grc.api.api``)."""

from ninja import Router

router = Router(tags=["demandes"])
