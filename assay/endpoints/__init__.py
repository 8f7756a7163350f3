"""Models in the loop: OpenAI-compatible endpoints, their secrets, and calls to them.

docs/models-in-the-loop.md describes the whole subsystem.
"""

from assay.endpoints.client import Purpose, Turn, TurnStream, chat, stream
from assay.endpoints.errors import ModelError

__all__ = ["ModelError", "Purpose", "Turn", "TurnStream", "chat", "stream"]
