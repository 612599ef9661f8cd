"""Disclosure control for the figures programme leads see: fixed reporting periods and noise.

Suppressing small cells protects one answer. These two rules protect answers against each other,
so nobody recovers one person's check-ins by comparing two requests (docs/outcomes.md, "Why
comparing answers reveals nobody"):

1. **Fixed periods.** Figures are reported for whole calendar quarters that have ended, one quarter
   at a time. Two different periods never share a check-in, so they cannot be subtracted; and a
   quarter that has ended gains no new check-ins, so asking again later adds nobody.
2. **Noise.** Every count and sum shown gets Laplace noise scaled to what one person can change it
   by. The noise is drawn from a keyed hash of the question *and of the exact data behind it*:
   asking the same question again gives the same answer (averaging many answers learns nothing),
   while any change to the people behind a cell (another scope that differs by one person, or the
   same quarter after someone left or deleted a check-in) gives fresh, independent noise, which
   hides that person's contribution.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from services.errors import InvalidInputError

PERIOD_FORMAT = re.compile(r"^(\d{4})-Q([1-4])$")
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    """One calendar quarter: since (inclusive) to until (exclusive), in UTC."""

    label: str  # e.g. "2026-Q3"
    since: datetime
    until: datetime


def quarter(year: int, number: int) -> Period:
    since = datetime(year, 3 * number - 2, 1, tzinfo=timezone.utc)
    until = datetime(year + number // 4, (3 * number) % 12 + 1, 1, tzinfo=timezone.utc)
    return Period(f"{year}-Q{number}", since, until)


def quarter_containing(moment: datetime) -> Period:
    return quarter(moment.year, (moment.month - 1) // 3 + 1)


def completed_quarters(now: datetime, count: int) -> list[Period]:
    """The `count` most recent quarters that have ended, newest first."""
    periods, current = [], quarter_containing(now)
    for _ in range(count):
        year, number = (current.since.year, (current.since.month - 1) // 3 + 1)
        current = quarter(year - 1, 4) if number == 1 else quarter(year, number - 1)
        periods.append(current)
    return periods


def reporting_period(*, period: str | None, since: datetime | None, until: datetime | None,
                     now: datetime) -> Period:
    """The quarter a request asks for: `period=2026-Q3`, or `since`/`until` exactly on one quarter's
    bounds (how older clients ask), or, with neither, the latest quarter that has ended.
    Anything else (an arbitrary or open window, several quarters, one not over yet) is 422."""
    if period is not None and (since is not None or until is not None):
        raise InvalidInputError("period", "Give either period or since and until, not both.")
    if period is not None:
        chosen = _parse(period)
    elif since is not None or until is not None:
        chosen = _quarter_between(since, until)
    else:
        return completed_quarters(now, 1)[0]
    if chosen.until > now:
        raise InvalidInputError("period", f"{chosen.label} is not over yet: figures are reported for "
                                          "quarters that have ended.")
    return chosen


def _parse(label: str) -> Period:
    found = PERIOD_FORMAT.match(label)
    if not found or not EARLIEST_YEAR <= int(found[1]) <= 9998:
        raise InvalidInputError("period", "Use a calendar quarter such as 2026-Q3.")
    return quarter(int(found[1]), int(found[2]))


def _quarter_between(since: datetime | None, until: datetime | None) -> Period:
    if since is None or until is None:
        raise InvalidInputError("since", "Figures are reported for one whole calendar quarter: give both since "
                                         "and until on its bounds, or period (e.g. 2026-Q3).")
    since, until = since.astimezone(timezone.utc), until.astimezone(timezone.utc)
    if not EARLIEST_YEAR <= since.year <= 9998:
        raise InvalidInputError("since", "Use a calendar quarter such as 2026-Q3.")
    chosen = quarter_containing(since)
    if (since, until) != (chosen.since, chosen.until):
        raise InvalidInputError("since", "Figures are reported for one whole calendar quarter (arbitrary windows "
                                         f"could be compared to single people out): use period, e.g. {chosen.label}.")
    return chosen


# --- noise --------------------------------------------------------------------------------------

def noise_enabled() -> bool:
    return bool(current_app.config.get("OUTCOMES_NOISE", True))


def epsilon() -> float:
    return float(current_app.config.get("OUTCOMES_EPSILON", 1.0))


def laplace(sensitivity: float, *question: object) -> float:
    """Laplace noise with scale sensitivity/epsilon, drawn from a keyed hash of `question` (which
    must include a digest of the data the figure comes from); 0 when noise is switched off."""
    if not noise_enabled():
        return 0.0
    message = "|".join(str(part) for part in question).encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    uniform = (int.from_bytes(digest[:8], "big") + 0.5) / 2 ** 64 - 0.5  # strictly inside (-0.5, 0.5)
    return -(sensitivity / epsilon()) * math.copysign(1.0, uniform) * math.log(1 - 2 * abs(uniform))


def data_digest(rows) -> str:
    """A digest of the rows behind a figure, in a stable order."""
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def _key() -> bytes:
    # Derived from the signing secret: without it nobody can recompute (and subtract) the noise.
    secret = current_app.config.get("JWT_SECRET_KEY") or ""
    return hmac.new(secret.encode(), b"peerless outcomes noise", hashlib.sha256).digest()
