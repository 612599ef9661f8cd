"""The evidence library: curated guides and links per condition, each with how strong its evidence is
and when it was last reviewed.

Moderators and admins write and publish; accredited mentors write drafts (their "how I managed"
guides are `lived_experience`) that a moderator publishes. Drafts and archived resources are seen
only by their author and by staff: to anyone else they do not exist (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy import update as sql_update

from models import Condition, EvidenceLevel, Resource, ResourceCondition, ResourceStatus, User, db, utcnow
from services import audit, free_text, message_safety
from services import conditions as condition_service
from services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from services.groups import is_accredited_mentor
from services.pagination import Page, decode_cursor, page_from_rows

# Strongest evidence first: the order lists and suggestions use.
STRENGTH = [EvidenceLevel.GUIDELINE, EvidenceLevel.SYSTEMATIC_REVIEW, EvidenceLevel.EXPERT_OPINION,
            EvidenceLevel.LIVED_EXPERIENCE]
CONTENT_FIELDS = {"title", "url", "body", "condition_ids", "evidence_level", "language"}
REVIEW_FIELDS = {"status", "reviewed", "reviewed_at", "review_due"}
_rank = case({level.value: i for i, level in enumerate(STRENGTH)}, value=Resource.evidence_level, else_=len(STRENGTH))
CLOCK_SKEW = timedelta(minutes=5)  # a moderator's "reviewed now" from a clock a little ahead of ours
# Newest review first; a resource never reviewed (a draft) by when it was written.
_review_time = func.coalesce(Resource.reviewed_at, Resource.created_at)


@dataclass
class ResourceView:
    """A resource as one viewer sees it: everything a Resource has, plus its labels and (where it is
    shown) its author."""

    resource: Resource
    labels: list[str] = field(default_factory=list)
    author: User | None = None

    def __getattr__(self, name):
        return getattr(self.resource, name)


# --- reading -----------------------------------------------------------------------------------

def search(viewer: User, *, condition_id: str | None = None, q: str | None = None, status: str | None = None,
           evidence_level: str | None = None, limit: int = 20, cursor: str | None = None) -> Page[ResourceView]:
    """Published resources (or, with `status`, the drafts or archive the viewer may see), strongest
    evidence first, then most recently reviewed."""
    stmt = select(Resource).where(_visible_with_status(viewer, status or ResourceStatus.PUBLISHED))
    if condition_id:
        stmt = stmt.where(_tagged_with(_condition_scope(condition_id)))
    if q and q.strip():
        pattern = f"%{condition_service.escape_like(condition_service.folded(q.strip()))}%"
        stmt = stmt.where(Resource.search_text.like(pattern, escape="\\"))
    if evidence_level:
        stmt = stmt.where(Resource.evidence_level == evidence_level)
    after = decode_cursor("resources", cursor)
    if after:
        stmt = stmt.where(_after(*after))
    rows = list(db.session.scalars(_strongest_first(stmt).limit(limit + 1)))
    page = page_from_rows(rows, limit=limit, purpose="resources", position_of=_position)
    return Page(_views(viewer, page.items), page.next_cursor)


def get(viewer: User, resource_id: str) -> ResourceView:
    return _views(viewer, [access_resource(viewer, resource_id)])[0]


def access_resource(viewer: User, resource_id: str) -> Resource:
    """The resource if `viewer` may see it; a draft of someone else answers like a missing one."""
    resource = db.session.get(Resource, resource_id)
    if resource is None or not _may_see(viewer, resource):
        raise NotFoundError("Resource not found.")
    return resource


def suggest_for(condition_ids: set[str], *, limit: int = 3) -> list[ResourceView]:
    """Published resources about these conditions first, then about their condition groups."""
    exact = _published_about(condition_ids, limit=limit)
    wider = condition_service.related_condition_ids(condition_ids) - set(condition_ids)
    found = exact + _published_about(wider, limit=limit - len(exact), excluding={r.id for r in exact})
    return _views(None, found)


def suggest_for_person(person: User, condition_id: str | None = None, *, limit: int = 3) -> list[ResourceView]:
    """Suggestions about one condition, or about the person's own conditions (none while their
    consent to use health information is withdrawn)."""
    if condition_id:
        return suggest_for({condition_id}, limit=limit)
    if person.health_consent_withdrawn_at is not None:
        return []
    return suggest_for({uc.condition_id for uc in person.conditions}, limit=limit)


def overdue_reviews(moderator: User, *, now: datetime | None = None, limit: int = 50) -> list[ResourceView]:
    """Staff: published resources whose review is due, the longest overdue first."""
    _require_staff(moderator, "Only moderators can see overdue reviews.")
    stmt = (select(Resource).where(Resource.status == ResourceStatus.PUBLISHED, Resource.review_due < (now or utcnow()))
            .order_by(Resource.review_due, Resource.id).limit(limit))
    return _views(moderator, list(db.session.scalars(stmt)))


# --- writing -----------------------------------------------------------------------------------

def create(author: User, *, title: str, evidence_level: str | None = None, status: str = ResourceStatus.DRAFT,
           **fields) -> ResourceView:
    """Staff create drafts or publish at once; accredited mentors create drafts only (403 otherwise)."""
    if not author.is_staff and not is_accredited_mentor(author):
        raise PermissionDeniedError("Only mentors and moderators can add resources.")
    if evidence_level is None:
        if author.is_staff:
            raise InvalidInputError("evidence_level", "Say how strong the evidence behind this resource is.")
        evidence_level = EvidenceLevel.LIVED_EXPERIENCE  # a mentor's own "how I managed" guide
    changes = {"title": title, "evidence_level": evidence_level, "status": status, **fields}
    _require_review_rights(author, changes)
    resource = Resource(author_id=author.id, status=ResourceStatus.DRAFT, title=title, evidence_level=evidence_level)
    db.session.add(resource)
    _apply(author, resource, changes, created=True)
    safety = _screen(author, resource, changes)
    db.session.commit()
    return free_text.with_safety(_views(author, [resource])[0], safety)


def update(editor: User, resource_id: str, **fields) -> ResourceView:
    """Authors edit their own drafts; staff edit anything, publish, archive and record reviews."""
    resource = access_resource(editor, resource_id)
    if not editor.is_staff and (resource.author_id != editor.id or resource.status != ResourceStatus.DRAFT):
        raise PermissionDeniedError("Only moderators can change a resource once it is published.")
    _require_review_rights(editor, fields)
    _apply(editor, resource, fields, created=False)
    safety = _screen(editor, resource, fields)
    db.session.commit()
    return free_text.with_safety(_views(editor, [resource])[0], safety)


def _screen(writer: User, resource: Resource, changes: dict) -> dict | None:
    """A draft's title and text, when this save wrote them, through the crisis detectors."""
    db.session.flush()
    return free_text.screen_fields(writer, source="resource", source_id=resource.id,
                                   texts=[changes.get("title"), changes.get("body")])


def _require_review_rights(editor: User, changes: dict) -> None:
    """Publishing, archiving and reviews are for staff; a mentor's draft stays a draft."""
    asks = {k for k in REVIEW_FIELDS & changes.keys() if not (k == "status" and changes[k] == ResourceStatus.DRAFT)}
    if asks and not editor.is_staff:
        raise PermissionDeniedError("A moderator publishes and reviews resources: save it as a draft.")


def _apply(editor: User, resource: Resource, changes: dict, *, created: bool) -> None:
    now = utcnow()
    before = None if created else resource.status
    _apply_content(resource, {k: v for k, v in changes.items() if k in CONTENT_FIELDS})
    resource.status = changes.get("status", resource.status)
    publishing = resource.status == ResourceStatus.PUBLISHED and before != ResourceStatus.PUBLISHED
    if publishing:
        resource.published_at, resource.published_by = now, editor.id
    _apply_review(resource, changes, now, publishing=publishing)
    if editor.is_staff:
        db.session.flush()
        audit.record(editor.id, _audit_action(resource.status, before, changes), target_type="resource",
                     target_id=resource.id, fields=",".join(sorted(changes)))


def _apply_content(resource: Resource, changes: dict) -> None:
    if "condition_ids" in changes:
        wanted = set(changes.pop("condition_ids"))
        unknown = wanted - condition_service.existing_condition_ids(wanted)
        if unknown:
            raise InvalidInputError("condition_ids", f"Unknown condition: {sorted(unknown)[0]}.")
        resource.condition_rows = [ResourceCondition(condition_id=cid) for cid in sorted(wanted)]
    for name, value in changes.items():
        setattr(resource, name, value)
    if not resource.url and not resource.body:
        raise InvalidInputError("body", "Give a link (url), a text (body), or both.")
    resource.search_text = condition_service.folded(f"{resource.title}\n{resource.body or ''}")


def _apply_review(resource: Resource, changes: dict, now: datetime, *, publishing: bool) -> None:
    """Publishing counts as a review unless a review date is given; each review moves the next one
    RESOURCE_REVIEW_INTERVAL_DAYS on, unless `review_due` says otherwise."""
    reviewed_at = changes.get("reviewed_at")
    if reviewed_at is None and (changes.get("reviewed") or publishing):
        reviewed_at = now
    if reviewed_at is not None:
        if reviewed_at > now + CLOCK_SKEW:
            raise InvalidInputError("reviewed_at", "A review cannot be in the future.")
        resource.reviewed_at = reviewed_at
        resource.review_due = reviewed_at + timedelta(days=current_app.config["RESOURCE_REVIEW_INTERVAL_DAYS"])
    if changes.get("review_due") is not None:
        resource.review_due = changes["review_due"]
    if resource.reviewed_at and resource.review_due and resource.review_due <= resource.reviewed_at:
        raise InvalidInputError("review_due", "The next review must come after the last one.")


def _audit_action(status: str, before: str | None, changes: dict) -> str:
    """The most telling thing a staff write did: created, published, archived, unpublished, reviewed."""
    if before is None:
        return "resource.published" if status == ResourceStatus.PUBLISHED else "resource.created"
    if status != before:
        return {ResourceStatus.PUBLISHED: "resource.published", ResourceStatus.ARCHIVED: "resource.archived",
                ResourceStatus.DRAFT: "resource.unpublished"}[status]
    if changes.get("reviewed") or "reviewed_at" in changes:
        return "resource.reviewed"
    return "resource.updated"


# --- privacy -----------------------------------------------------------------------------------

def authored_by(user_id: str) -> list[dict]:
    """For a data export: every resource the person wrote, in any state."""
    stmt = select(Resource).where(Resource.author_id == user_id).order_by(Resource.created_at, Resource.id)
    return [{"id": r.id, "title": r.title, "url": r.url, "body": r.body, "status": r.status,
             "evidence_level": r.evidence_level, "condition_ids": r.condition_ids, "created_at": r.created_at,
             "updated_at": r.updated_at, "published_at": r.published_at}
            for r in db.session.scalars(stmt)]


def forget_author(user_id: str) -> None:
    """On erasure: unpublished drafts go; what a moderator published (or archived) stays in the
    library for others, no longer linked to the person (docs/privacy.md)."""
    for draft in db.session.scalars(select(Resource).where(Resource.author_id == user_id,
                                                           Resource.status == ResourceStatus.DRAFT)):
        db.session.delete(draft)
    db.session.execute(sql_update(Resource).where(Resource.author_id == user_id).values(author_id=None)
                       .execution_options(synchronize_session=False))


# --- helpers -----------------------------------------------------------------------------------

def _may_see(viewer: User, resource: Resource) -> bool:
    return resource.status == ResourceStatus.PUBLISHED or viewer.is_staff or resource.author_id == viewer.id


def _visible_with_status(viewer: User, status: str):
    """Everyone lists published resources; drafts and the archive list only the viewer's own,
    or all of them for staff (`?status=draft` is the review queue)."""
    if status == ResourceStatus.PUBLISHED or viewer.is_staff:
        return Resource.status == status
    return and_(Resource.status == status, Resource.author_id == viewer.id)


def _condition_scope(condition_id: str) -> set[str]:
    """A condition, its group (resources about "diabetes" help with type 2) and, for a group, the
    conditions in it. Never siblings: a type 1 guide is not about type 2."""
    children = db.session.scalars(select(Condition.id).where(Condition.parent_id == condition_id))
    return condition_service.related_condition_ids({condition_id}) | set(children)


def _tagged_with(condition_ids: set[str]):
    return exists().where(ResourceCondition.resource_id == Resource.id,
                          ResourceCondition.condition_id.in_(condition_ids))


def _published_about(condition_ids: set[str], *, limit: int, excluding: set[str] = frozenset()) -> list[Resource]:
    if not condition_ids or limit <= 0:
        return []
    stmt = select(Resource).where(Resource.status == ResourceStatus.PUBLISHED, _tagged_with(condition_ids))
    if excluding:
        stmt = stmt.where(Resource.id.notin_(excluding))
    return list(db.session.scalars(_strongest_first(stmt).limit(limit)))


def _strongest_first(stmt):
    return stmt.order_by(_rank, _review_time.desc(), Resource.id)


def _position(resource: Resource) -> list:
    return [STRENGTH.index(resource.evidence_level), (resource.reviewed_at or resource.created_at).isoformat(),
            resource.id]


def _after(rank: int, review_time: str, resource_id: str):
    """Rows after a cursor position in (strength ascending, review time descending, id ascending)."""
    at = datetime.fromisoformat(review_time)
    return or_(_rank > rank,
               and_(_rank == rank, or_(_review_time < at, and_(_review_time == at, Resource.id > resource_id))))


def _views(viewer: User | None, resources: list[Resource]) -> list[ResourceView]:
    """Labels for lived experience that reads like a medical instruction; the author's name on their
    own guides (lived experience), and for staff and the author themselves."""
    shown = {r.author_id for r in resources if r.author_id and _author_shown(viewer, r)}
    authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(shown)))} if shown else {}
    return [ResourceView(r, _labels(r), authors.get(r.author_id)) for r in resources]


def _author_shown(viewer: User | None, resource: Resource) -> bool:
    if resource.evidence_level == EvidenceLevel.LIVED_EXPERIENCE:
        return True
    return viewer is not None and (viewer.is_staff or viewer.id == resource.author_id)


def _labels(resource: Resource) -> list[str]:
    if resource.evidence_level != EvidenceLevel.LIVED_EXPERIENCE or not resource.body:
        return []
    return list(_labels_for_text(resource.body))


# The advice detector takes ~80 ms on a 20,000-character guide; library texts are read far more
# often than they change, so each process remembers the answer for the texts it has seen lately.
_labels_for_text = lru_cache(maxsize=256)(message_safety.labels_for)


def _require_staff(user: User, detail: str) -> None:
    if not user.is_staff:
        raise PermissionDeniedError(detail)
