"""The seeded demo marketplace that ``assay demo`` serves."""
