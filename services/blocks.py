"""Blocks: a silent, two-way wall between two people."""
from __future__ import annotations


def is_blocked_either_way(user_a: str, user_b: str) -> bool:
    # Filled in by the messaging issue (POST /blocks); nobody is blocked until then.
    return False
