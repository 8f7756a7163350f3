"""Assay: the open expert-feedback exchange."""

__version__ = "0.1.0"
