"""Marshmallow schemas: the HTTP contract only. `*InSchema` loads, the rest dump (allow-lists)."""
