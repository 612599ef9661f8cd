"""Sign in and sign out: the API's own login and logout, with the tokens in cookies."""
from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for

from api.console import SIGN_IN_NOTICES, bp, error_page, safe_next, session
from api.extensions import limiter, per_staff_and_ip
from services import accounts
from services.errors import AccountSuspendedError, AuthenticationError


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AUTH_RATE_LIMIT"], methods=["POST"], scope="console_sign_in")
def sign_in():
    """The sign-in form, and signing in with the API's own login."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _form(next_url, notice=SIGN_IN_NOTICES.get(request.args.get("notice", "")))
    if not session.sign_in_token_matches():
        return error_page(400, "This form could not be verified",
                          "Reload the sign-in page and try again (the console needs cookies).")
    try:
        user, tokens = accounts.login(email=request.form.get("email", ""), password=request.form.get("password", ""))
    except (AuthenticationError, AccountSuspendedError) as refused:
        status = 403 if isinstance(refused, AccountSuspendedError) else 400
        return _form(next_url, error=refused.detail, email=request.form.get("email", "")), status
    if not user.is_staff:
        # The account is real but has no business here: end the session it just opened.
        accounts.logout(session_id=session.session_id_of(tokens))
        return error_page(403, "Staff only", "The console is for moderators and admins.")
    response = redirect(next_url, 303)
    session.store_tokens(response, tokens)
    return response


@bp.post("/sign-out")
@per_staff_and_ip("SESSION_RATE_LIMIT")
def sign_out():
    """The CSRF token was checked before this runs (an unsafe request); the session is revoked server-side."""
    accounts.logout(session_id=g.console.session_id)
    g.console.new_tokens = None  # a refresh earlier in this request must not set the cookies again
    response = redirect(url_for("console.sign_in", notice="signed_out"), 303)
    session.clear_tokens(response)
    return response


def _form(next_url: str, *, notice: str | None = None, error: str | None = None, email: str = ""):
    return render_template("console/sign_in.html", next_url=next_url, notice=notice, error=error, email=email,
                           sign_in_token=session.sign_in_token())
