"""Every free-text path is screened: the one call each service makes when it saves text people write.

Notes on connection and mentorship requests, mentorship goals, circle names and descriptions,
profile text (display name, bio), resource drafts, mentorship feedback, course texts and message
edits go through the same detectors
as messages (services.message_safety.screen_free_text): crisis words answer the writer with
helplines and alert moderators, a concern sends a gentle private check-in. Nothing is blocked.
"""
from __future__ import annotations

from collections.abc import Iterable

from models import User


def screen_fields(author: User, *, source: str, source_id: str, texts: Iterable[str | None]) -> dict | None:
    """Screen the fields of one saved thing as one text (a plan split over a note and its goals is still
    seen); call inside the saving transaction. Returns the `safety` answer, or None."""
    text = "\n".join(part.strip() for part in texts if part and part.strip())
    if not text:
        return None
    from services import message_safety  # noqa: PLC0415 - it imports moderation, which imports the services calling us

    return message_safety.screen_free_text(author, source=source, source_id=source_id, text=text)


def with_safety(thing, answer: dict | None):
    """Carry the answer to the response (schemas leave `safety` out when it is absent); never stored."""
    if answer is not None:
        thing.safety = answer
    return thing
