"""Server-rendered pages with htmx; thin adapters over ``assay.actions``."""
