"""Support requests, the sliding scale: say what kind of help you want, get routed to what fits.

listen and tips go to peers, one_to_one and review to mentors, group to circles; tips and review
also suggest published resources from the evidence library. Open requests are also shown to
suitable mentors, who can answer one by asking the person to connect.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, tuple_, update

from models import Condition, Connection, ConnectionStatus, SupportRequest, User, db, pair_key, utcnow
from services import blocks, connections, message_safety, notifications, policy
from services import conditions as condition_service
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.groups import GroupView, is_accredited_mentor, suggest_groups
from services.matching import Match, find_matches
from services.pagination import Page, decode_cursor, page_from_rows
from services.resources import ResourceView, suggest_for_person

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
SUGGESTIONS = 5
RESOURCE_INTENTS = {"tips", "review"}  # listening, company and circles are about people, not reading
# intent -> (where it goes, the mentor support type it needs)
ROUTES: dict[str, tuple[str, str | None]] = {
    "listen": ("peers", None),
    "tips": ("peers", None),
    "one_to_one": ("mentors", "mentoring"),
    "review": ("mentors", "review"),
    "group": ("groups", None),
}
# The note on the connection request a mentor's answer sends: never the topic, which is the
# requester's own words and may be sensitive.
ANSWER_NOTE = "I'm a mentor and saw your request for support. I'd be glad to help if you'd like to connect."


@dataclass
class Suggestions:
    peers: list[Match] = field(default_factory=list)
    mentors: list[Match] = field(default_factory=list)
    groups: list[GroupView] = field(default_factory=list)
    resources: list[ResourceView] = field(default_factory=list)


@dataclass
class RequestView:
    """One of the caller's own requests, with what it was routed to (while it is open)."""

    request: SupportRequest
    suggestions: Suggestions | None = None
    safety: dict | None = None  # crisis language in the topic: helplines, at once
    listed_for_mentors: bool = False  # in the open list mentors see (policy H3); tells the requester why not

    def __getattr__(self, name):
        return getattr(self.request, name)


def _view(seeker: User, request: SupportRequest, suggestions: Suggestions | None = None,
          safety: dict | None = None) -> RequestView:
    return RequestView(request, suggestions, safety, _listed_for_mentors(seeker, request))


def _listed_for_mentors(seeker: User, request: SupportRequest) -> bool:
    """Policy H3 from the requester's side: open, and about no condition or one they list as public."""
    if request.status != OPEN:
        return False
    if request.condition_id is None:
        return True
    return seeker.health_consent_withdrawn_at is None and any(
        uc.condition_id == request.condition_id and uc.visibility == policy.FINDABLE for uc in seeker.conditions)


@dataclass
class OpenRequestView:
    """An open request as a mentor sees it: the requester by name only."""

    request: SupportRequest
    requester: User

    def __getattr__(self, name):
        return getattr(self.request, name)


def create_request(seeker: User, *, intent: str, duration: str, condition_id: str | None = None,
                   topic: str | None = None, urgency: str = "normal") -> RequestView:
    """Open a request and route it: peers, mentors, circles or resources, by intent."""
    if condition_id and condition_id not in {uc.condition_id for uc in seeker.conditions}:
        raise InvalidInputError("condition_id", "Choose one of your own conditions (PUT /me/conditions).")
    request = SupportRequest(user_id=seeker.id, intent=intent, duration=duration, condition_id=condition_id,
                             topic=topic, urgency=urgency, status=OPEN)
    db.session.add(request)
    db.session.flush()
    safety = message_safety.screen_request_topic(seeker, request.id, topic)
    suggestions = suggest(seeker, request)
    db.session.commit()
    return _view(seeker, request, suggestions, safety)


def suggest(seeker: User, request: SupportRequest) -> Suggestions:
    """What fits the request's intent; read-only."""
    target, support_type = ROUTES[request.intent]
    suggestions = Suggestions(resources=_resources_for(seeker, request))
    if target == "peers":
        suggestions.peers = find_matches(seeker, kind="peer", condition_id=request.condition_id, limit=SUGGESTIONS)
    elif target == "mentors":
        suggestions.mentors = find_matches(seeker, kind="mentor", condition_id=request.condition_id,
                                           support_type=support_type, limit=SUGGESTIONS)
    else:
        focus = {request.condition_id} if request.condition_id else {uc.condition_id for uc in seeker.conditions}
        suggestions.groups = suggest_groups(seeker, focus, limit=SUGGESTIONS)
    return suggestions


def _resources_for(seeker: User, request: SupportRequest) -> list[ResourceView]:
    """Someone asking for tips or a review of their approach gets what the library says too: about
    the request's condition (then its group), or about their own conditions."""
    if request.intent not in RESOURCE_INTENTS:
        return []
    return suggest_for_person(seeker, request.condition_id)


def list_requests(seeker: User, *, status: str | None = None, limit: int = 20,
                  cursor: str | None = None) -> Page[RequestView]:
    """The caller's own requests, newest first."""
    stmt = _newest_first(select(SupportRequest).where(SupportRequest.user_id == seeker.id), "support-requests", cursor)
    if status:
        stmt = stmt.where(SupportRequest.status == status)
    page = _page(stmt, limit, "support-requests")
    return Page([_view(seeker, r) for r in page.items], page.next_cursor)


def get_request(seeker: User, request_id: str) -> RequestView:
    """One of the caller's own requests; while open, with fresh suggestions."""
    request = access_request(seeker, request_id)
    return _view(seeker, request, suggest(seeker, request) if request.status == OPEN else None)


def close_request(seeker: User, request_id: str) -> RequestView:
    """Close one of the caller's requests; closing it again changes nothing."""
    request = access_request(seeker, request_id)
    if request.status != CLOSED:
        request.status, request.closed_at = CLOSED, utcnow()
        db.session.commit()
    return _view(seeker, request)


def access_request(seeker: User, request_id: str) -> SupportRequest:
    """The caller's own request; anyone else's answers like a missing one."""
    request = db.session.get(SupportRequest, request_id)
    if request is None or request.user_id != seeker.id:
        raise NotFoundError("Support request not found.")
    return request


# --- mentors -----------------------------------------------------------------------------------

def list_open_requests(mentor: User, *, limit: int = 20, cursor: str | None = None) -> Page[OpenRequestView]:
    """Open requests a mentor could answer, newest first: about a condition they live with (or one in
    the same group), or about no condition at all."""
    _require_mentor(mentor)
    stmt = _newest_first(_suitable_for(mentor).where(SupportRequest.status == OPEN), "open-requests", cursor)
    page = _page(stmt, limit, "open-requests")
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in page.items})))}
    return Page([OpenRequestView(r, people[r.user_id]) for r in page.items], page.next_cursor)


def answer_request(mentor: User, request_id: str) -> tuple[SupportRequest, Connection]:
    """A mentor takes an open request: the requester gets a connection request and is told."""
    _require_mentor(mentor)
    request = db.session.scalar(_suitable_for(mentor).where(SupportRequest.id == request_id))
    if request is None:
        raise NotFoundError("Support request not found.")
    # Conditional UPDATE: of two mentors answering at once, one wins and the other gets a 409.
    claimed = db.session.execute(
        update(SupportRequest).where(SupportRequest.id == request.id, SupportRequest.status == OPEN)
        .values(status=ANSWERED, answered_by=mentor.id).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise ConflictError(f"This request is already {db.session.scalar(_status_of(request.id))}.")
    db.session.refresh(request)
    requester = db.session.get(User, request.user_id)
    # Inbox only: the connection request that follows is the one push the requester gets.
    notifications.notify(requester, "support_request_answered",
                         {"support_request_id": request.id, "mentor_id": mentor.id}, push=False)
    return request, _connect(mentor, requester)


def _connect(mentor: User, requester: User) -> Connection:
    """The pair's connection: an existing pending or accepted one stands; otherwise the mentor asks.

    This is where the use-case commits: request_connection commits the answer with the request."""
    existing = db.session.scalar(select(Connection).where(Connection.pair_key == pair_key(mentor.id, requester.id)))
    if existing is not None and existing.status in (ConnectionStatus.PENDING, ConnectionStatus.ACCEPTED):
        db.session.commit()
        return existing
    return connections.request_connection(mentor, user_id=requester.id, message=ANSWER_NOTE)


def _suitable_for(mentor: User):
    """Requests a mentor may see: not their own, from active people not blocked either way, about a
    condition they share (or one in the same group) or about none.

    A request about a condition is listed only while its requester lists that condition as public
    (services/policy.py, H3): the mentor's own conditions are theirs to declare, so they must not be
    a key that shows who asked for help about a condition they keep to themselves or their connections."""
    related = condition_service.related_condition_ids({uc.condition_id for uc in mentor.conditions})
    about = [SupportRequest.condition_id.is_(None)]
    if related:
        about += [SupportRequest.condition_id.in_(related),
                  SupportRequest.condition_id.in_(select(Condition.id).where(Condition.parent_id.in_(related)))]
    listed = or_(SupportRequest.condition_id.is_(None),
                 policy.condition_is_findable(SupportRequest.user_id, SupportRequest.condition_id))
    stmt = (select(SupportRequest).join(User, User.id == SupportRequest.user_id)
            .where(SupportRequest.user_id != mentor.id, User.suspended_at.is_(None), User.erased_at.is_(None),
                   or_(*about), listed))
    hidden = blocks.hidden_user_ids(mentor.id)
    if hidden:
        stmt = stmt.where(SupportRequest.user_id.notin_(hidden))
    return stmt


def _require_mentor(user: User) -> None:
    if not is_accredited_mentor(user):
        raise PermissionDeniedError("Only accredited mentors can see and answer open requests.")


def _status_of(request_id: str):
    return select(SupportRequest.status).where(SupportRequest.id == request_id)


def _newest_first(stmt, purpose: str, cursor: str | None):
    after = decode_cursor(purpose, cursor)
    if after:
        stmt = stmt.where(tuple_(SupportRequest.created_at, SupportRequest.id)
                          < tuple_(datetime.fromisoformat(after[0]), after[1]))
    return stmt.order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())


def _page(stmt, limit: int, purpose: str) -> Page[SupportRequest]:
    return page_from_rows(list(db.session.scalars(stmt.limit(limit + 1))), limit=limit, purpose=purpose,
                          position_of=lambda r: [r.created_at.isoformat(), r.id])
