"""Circles and their members: moderators see the circles they may (services/policy.py, C2-C5), let in
requests and remove people in the circles they look after."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from api.console import bp
from api.extensions import per_staff_and_ip
from models import db
from services import conditions, groups
from services.errors import ConflictError, NotFoundError, PermissionDeniedError


@bp.get("/circles")
def circles():
    """The circles this moderator may see, alphabetically, optionally by name."""
    q = (request.args.get("q") or "").strip()[:80] or None
    page = groups.list_groups(g.console.user, q=q, cursor=request.args.get("cursor") or None)
    names = conditions.names_of({c.condition_id for c in page.items if c.condition_id})
    return render_template("console/circles.html", page=page, q=q, condition_names=names)


@bp.get("/circles/<id:group_id>")
def circle(group_id: str, *, error: str | None = None, status: int = 200):
    """One circle and the people in it."""
    circle, members = groups.get_group_for_staff(g.console.user, group_id)
    condition = conditions.names_of({circle.condition_id}).get(circle.condition_id) if circle.condition_id else None
    return render_template("console/circle.html", circle=circle, members=members, condition=condition,
                           error=error, done=request.args.get("done")), status


@bp.post("/circles/<id:group_id>/members/<id:user_id>/approve")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def approve_member(group_id: str, user_id: str):
    """Let in someone who asked to join."""
    return _act(group_id, "approved", lambda: groups.approve(g.console.user, group_id, user_id=user_id))


@bp.post("/circles/<id:group_id>/members/<id:user_id>/remove")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def remove_member(group_id: str, user_id: str):
    """Remove a member, withdraw an invitation or turn down a request."""
    return _act(group_id, "removed", lambda: groups.remove_member(g.console.user, group_id, user_id=user_id))


def _act(group_id: str, done: str, action):
    try:
        action()
    except (ConflictError, NotFoundError, PermissionDeniedError) as refused:  # full, not asked, already gone
        db.session.rollback()
        return circle(group_id, error=refused.detail, status=refused.status)
    return redirect(url_for("console.circle", group_id=group_id, done=done), 303)
