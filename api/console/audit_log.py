"""The audit log, newest first: admins only (the service refuses anyone else)."""
from __future__ import annotations

from flask import g, render_template, request

from api.console import bp
from services import audit


@bp.get("/audit")
def audit_log():
    """The audit log, newest first (admins)."""
    page = audit.list_entries(g.console.user, cursor=request.args.get("cursor") or None)
    return render_template("console/audit.html", page=page)
