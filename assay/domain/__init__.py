"""Pure domain logic: no Django, no I/O beyond the streams handed in."""
