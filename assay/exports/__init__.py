"""Data out: export mappings per task type, containers, the data card.

Importing the package registers the task types' mappings (``pairwise`` today).
"""

from assay.exports import pairwise as _pairwise  # noqa: F401 -- registers the mappings
