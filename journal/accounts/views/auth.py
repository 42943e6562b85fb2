"""Sign-up, login, logout, the recovery key, and the two ways back in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from journal.accounts import account_mail, accounts, auth_sessions, preferences, two_factor
from journal.accounts.accounts import AccountError, Unlocked
from journal.core import crypto
from journal.core.extensions import limiter
from journal.models.users import User
from journal.web.identity import (
    clear_session_cookie,
    cookie_name,
    current_udk,
    device_token,
    safe_next,
    set_device_cookie,
    set_session_cookie,
    user,
)
from journal.web.rendering import render
from journal.web.step_up import requires_step_up

bp = Blueprint("auth", __name__, template_folder="../templates")
AUTH_LIMIT = "10 per minute;100 per hour"


def _form(name: str) -> str:
    return request.form.get(name, "")


def _invalid(template: str, **context: Any) -> Response:
    """Re-render a form with its message and what was typed (never the passwords)."""
    return make_response(render(template, **context), 422)


def device_of_request() -> str:
    """The browser's own description of itself, as the sessions page shows it
    (printable characters only: it is stored, and shown back)."""
    raw = request.user_agent.string or ""
    return "".join(ch for ch in raw if ch.isprintable())[:120]


def _logged_in(unlocked: Unlocked, response: BaseResponse) -> BaseResponse:
    device = device_of_request()
    set_session_cookie(response, auth_sessions.start_session(unlocked.user, unlocked.udk, device))
    remember_this_device(unlocked.user, response)
    return response


def remember_this_device(me: User, response: BaseResponse) -> None:
    """After a complete sign-in: this browser is one of the owner's devices from now on."""
    set_device_cookie(response, accounts.remember_device(me, device_token()))


def client_address() -> str:
    return request.remote_addr or ""


def show_recovery_key(unlocked: Unlocked) -> BaseResponse:
    """Shown once, in the response itself: it never passes through a redirect,
    a URL, a flash message or any storage."""
    if unlocked.recovery_key is None:
        raise RuntimeError("no recovery key to show")
    page = make_response(render("auth/recovery_key.html", recovery_key=unlocked.recovery_key))
    return _logged_in(unlocked, page)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or url_for("main.home"))
        return render("auth/login.html", email="", next=next_url)
    email = _form("email")
    device = device_of_request()
    try:
        unlocked = accounts.authenticate(
            email,
            _form("password"),
            auth_sessions.describe_device(device),
            client=client_address(),
            device_token=device_token(),
        )
    except AccountError as exc:
        return _invalid("auth/login.html", email=email, next=next_url, error=str(exc))
    # An account made from the command line starts in UTC: its first sign-in takes
    # the browser's zone, as sign-up does (the settings page confirms or changes it).
    accounts.adopt_browser_zone(unlocked.user, time_zone_of_form())
    # End any session this browser still had, so the new login starts a new row.
    auth_sessions.end_session(request.cookies.get(cookie_name()))
    if accounts.has_second_factor(unlocked.user):
        # Not a login yet: a row that only the code form accepts (two_factor.sign_in).
        response = redirect(url_for("two_factor.sign_in", next=next_url))
        pending = auth_sessions.start_session(
            unlocked.user, unlocked.udk, device, stage=auth_sessions.SECOND_FACTOR
        )
        set_session_cookie(response, pending)
        return response
    if two_factor.required(unlocked.user):
        # Straight to the set-up a therapist must do first, not through a page that
        # would only answer 401 and send them there.
        return _logged_in(unlocked, redirect(url_for("two_factor.setup")))
    return _logged_in(unlocked, redirect(next_url or url_for("main.home")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    auth_sessions.end_session(request.cookies.get(cookie_name()))
    response = redirect(url_for("auth.login", logged_out=1))
    clear_session_cookie(response)
    response.delete_cookie(
        current_app.config["SESSION_COOKIE_NAME"],
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    # Drops the caches and storage this origin left in the browser, and both session
    # cookies. The known-device cookie stays (it opens nothing; it only keeps other
    # people's wrong passwords from slowing this device's owner down).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def signup() -> ResponseReturnValue:
    return _mail_a_link("auth/signup.html", account_mail.request_signup, "signup")


def _mail_a_link(
    template: str, request_link: Callable[[str, str], object], purpose: str
) -> ResponseReturnValue:
    """Ask for an email and mail a link; the answer is the same whether or not the
    address has an account. The link itself is made by the job, from PUBLIC_URL."""
    if request.method == "GET":
        return render(template, email="")
    email = _form("email")
    try:
        # The message is written in the language of this page.
        locale = get_locale()
        request_link(email, locale.language if locale is not None else "en")
    except AccountError as exc:
        return _invalid(template, email=email, error=str(exc))
    return render("auth/check_email.html", email=email.strip(), purpose=purpose)


@bp.route("/signup/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def signup_finish(token: str) -> ResponseReturnValue:
    email = accounts.signup_email(token)
    if email is None:
        return make_response(render("auth/link_expired.html", again=url_for("auth.signup")), 404)
    if request.method == "GET":
        return render("auth/signup_finish.html", email=email, token=token)
    problems = accounts.check_new_password(_form("password"), _form("confirm"), email)
    if problems:
        return _invalid("auth/signup_finish.html", email=email, token=token, errors=problems)
    try:
        unlocked = accounts.complete_signup(token, _form("password"), time_zone_of_form())
    except AccountError as exc:
        return _invalid("auth/signup_finish.html", email=email, token=token, errors=[str(exc)])
    return show_recovery_key(unlocked)


def time_zone_of_form() -> str:
    """The browser's IANA zone, if it sent a valid one; the settings page can change it."""
    zone = _form("time_zone")
    return zone if preferences.is_zone(zone) else "UTC"


@bp.get("/recovery-key")
@login_required
def recovery_key() -> str:
    return render("auth/recovery_key_status.html", confirmed=user().recovery_check is None)


@bp.post("/recovery-key/confirm")
@login_required
def confirm_recovery_key() -> ResponseReturnValue:
    try:
        accounts.confirm_recovery_key(user(), current_udk(), _form("last_group"))
    except AccountError as exc:
        return _invalid("auth/recovery_key_status.html", confirmed=False, error=str(exc))
    flash(_("Recovery key confirmed. Keep it somewhere safe and private."))
    return redirect(url_for("main.home"))


@bp.post("/recovery-key/new")
@login_required
@requires_step_up
def new_recovery_key() -> str:
    text = accounts.issue_new_recovery_key(user(), current_udk())
    return render("auth/recovery_key.html", recovery_key=text, replaced=True)


@bp.get("/forgot")
def forgot() -> str:
    return render("auth/forgot.html")


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset() -> ResponseReturnValue:
    if request.method == "GET":
        return render("auth/reset.html", email="", recovery="", code="")
    email, recovery, code = _form("email"), _form("recovery_key"), _form("code").strip()[:40]
    try:
        unlocked = accounts.reset_with_recovery_key(
            email,
            recovery,
            _form("password"),
            _form("confirm"),
            code,
            verify_code=two_factor.verify,
            client=client_address(),
        )
    except (AccountError, crypto.RecoveryKeyFormatError) as exc:
        return _invalid(
            "auth/reset.html", email=email, recovery=recovery, code=code, error=str(exc)
        )
    auth_sessions.end_session(request.cookies.get(cookie_name()))
    return show_recovery_key(unlocked)


@bp.route("/start-over", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def start_over_request() -> ResponseReturnValue:
    return _mail_a_link(
        "auth/start_over_request.html", account_mail.request_start_over, "start_over"
    )


@bp.route("/start-over/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def start_over(token: str) -> ResponseReturnValue:
    if not accounts.start_over_valid(token):
        again = url_for("auth.start_over_request")
        return make_response(render("auth/link_expired.html", again=again), 404)
    if request.method == "GET":
        return render("auth/start_over.html", token=token)
    if _form("understood") != "yes":
        return _invalid(
            "auth/start_over.html",
            token=token,
            errors=[_("Tick the box to confirm that everything in the account will be deleted.")],
        )
    try:
        unlocked = accounts.start_over(token, _form("password"), _form("confirm"))
    except AccountError as exc:
        return _invalid("auth/start_over.html", token=token, errors=[str(exc)])
    auth_sessions.end_session(request.cookies.get(cookie_name()))
    return show_recovery_key(unlocked)
