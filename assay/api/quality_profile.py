"""An expert's own quality metrics."""

from ninja import Router

router = Router(tags=["quality"])
