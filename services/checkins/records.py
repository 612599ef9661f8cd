"""Answering a check-in, reading one's own history, deleting an answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_

from models import CheckIn, User, db
from services.checkins import support
from services.checkins.instruments import INSTRUMENTS, Band, answer_errors, score
from services.errors import InvalidInputError, NotFoundError, PermissionDeniedError, ServiceError
from services.pagination import Page, decode_cursor, page_from_rows

PURPOSE = "check-ins"


class InvalidAnswersError(ServiceError):
    """Answers that cannot be scored, with one message per offending field."""

    status, code, title = InvalidInputError.status, InvalidInputError.code, InvalidInputError.title

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(next(iter(errors.values()))[0], errors=errors)


class HealthConsentWithdrawnError(PermissionDeniedError):
    code, title = "health_consent_withdrawn", "Health-data consent is withdrawn"


@dataclass
class CheckInView:
    """A check-in with its reading; `safety` and `support_offer` only right after answering."""

    check_in: CheckIn
    safety: dict | None = None
    support_offer: dict | None = None

    @property
    def interpretation(self) -> dict[str, Band]:
        return INSTRUMENTS[self.check_in.instrument].interpret(self.check_in.scores)

    def __getattr__(self, name):
        return getattr(self.check_in, name)


def record_check_in(person: User, *, instrument: str, answers: list[int],
                    offer_support: bool | None = None) -> CheckInView:
    """Score and keep the person's answers; a screen-positive total also answers with support."""
    if person.health_consent_withdrawn_at is not None:
        raise HealthConsentWithdrawnError(
            "Check-in answers are health information, and you have withdrawn your consent to our processing "
            "it. Give your consent again (POST /me/consents) to check in; your earlier check-ins stay yours "
            "to read, export or delete.")
    errors = answer_errors(instrument, answers)
    if errors:
        raise InvalidAnswersError(errors)
    check_in = CheckIn(user_id=person.id, instrument=instrument, answers=list(answers),
                       scores=score(instrument, answers))
    db.session.add(check_in)
    db.session.flush()
    view = CheckInView(check_in)
    threshold = INSTRUMENTS[instrument].threshold
    if threshold is not None and threshold.safety and threshold.is_met(check_in.scores):
        view.safety = support.safety_answer(person, instrument)
        if support.wants_offer(person, offer_support):
            view.support_offer = support.support_offer(person)
    db.session.commit()
    return view


def list_check_ins(person: User, *, instrument: str | None = None, limit: int = 20,
                   cursor: str | None = None) -> Page[CheckInView]:
    """The person's own check-ins, oldest first."""
    stmt = select(CheckIn).where(CheckIn.user_id == person.id)
    if instrument:
        stmt = stmt.where(CheckIn.instrument == instrument)
    after = decode_cursor(PURPOSE, cursor)
    if after:
        stmt = stmt.where(tuple_(CheckIn.created_at, CheckIn.id) > tuple_(datetime.fromisoformat(after[0]), after[1]))
    rows = list(db.session.scalars(stmt.order_by(CheckIn.created_at, CheckIn.id).limit(limit + 1)))
    page = page_from_rows(rows, limit=limit, purpose=PURPOSE, position_of=lambda c: [c.created_at.isoformat(), c.id])
    return Page([CheckInView(c) for c in page.items], page.next_cursor)


def get_check_in(person: User, check_in_id: str) -> CheckInView:
    """One of the person's own check-ins, with its reading."""
    return CheckInView(access_check_in(person, check_in_id))


def delete_check_in(person: User, check_in_id: str) -> None:
    """A person may delete any of their own answers."""
    db.session.delete(access_check_in(person, check_in_id))
    db.session.commit()


def access_check_in(person: User, check_in_id: str) -> CheckIn:
    """The person's own check-in; anyone else's answers like a missing one."""
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.user_id != person.id:
        raise NotFoundError("Check-in not found.")
    return check_in
