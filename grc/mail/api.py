"""Mail endpoints under ``/api/v1/mail`` (mounted on ``grc.api.api``): scanning stations post scans here."""

from ninja import Router

router = Router(tags=["courrier"])
