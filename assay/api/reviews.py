"""Reviews of other experts' submissions."""

from ninja import Router

router = Router(tags=["reviews"])
