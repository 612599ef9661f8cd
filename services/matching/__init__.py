"""Matching: find peers and mentors "with just the right experience about the right problem"."""
from services.matching.finder import Match, find_matches

__all__ = ["Match", "find_matches"]
