"""Low-effort signals for requesters."""

from ninja import Router

router = Router(tags=["quality"])
