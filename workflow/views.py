"""The home screen: one per role, showing the user's authority and roles."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, has_request_context, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow.auth.views import safe_next
from workflow.locales import LANGUAGES
from workflow.org.vocab import Role

bp = Blueprint("main", __name__)

# The main menu. Each domain's views module adds its entries with ``nav_item`` at import; the
# menu shows an entry when the user holds one of its roles (any role when ``roles`` is empty).
NAV: list[dict] = []


def nav_item(endpoint: str, label, roles: tuple[str, ...] = (), order: int = 50) -> None:
    """Add a menu entry (``label`` a lazy gettext string)."""
    if not any(item["endpoint"] == endpoint for item in NAV):
        NAV.append({"endpoint": endpoint, "label": label, "roles": set(roles), "order": order})
        NAV.sort(key=lambda item: item["order"])


@bp.app_context_processor
def _menu():
    if not has_request_context() or not current_user.is_authenticated:
        return {"nav_links": []}
    held = current_user.role_names()
    links = [item for item in NAV if not item["roles"] or item["roles"] & held or current_user.is_deployment_admin]
    return {"nav_links": links}


ROLE_LABELS = Role.labels()  # the labels live on the enum (org.vocab)

# what each role's home screen offers, in the order a person needs it
ROLE_TASKS = {
    Role.NOMINATOR: [_l("Prepare and submit proposals for your unit"), _l("Answer returned proposals")],
    Role.SECRETARY: [_l("Screen submitted proposals"), _l("Run council meetings"),
                  _l("Draft decisions and submissions")],
    Role.COUNCIL_MEMBER: [_l("Attend meetings and cast secret ballots")],
    Role.CHAIR: [_l("Open and close council votes"), _l("Sign decisions and submissions")],
    Role.HIGHER_REVIEWER: [_l("Review submissions from lower authorities")],
    Role.ADMIN: [_l("Manage users, units, award catalogue and calendar")],
}


def confirmed() -> bool:
    """Whether an irreversible act's form carries the user's confirmation."""
    return request.form.get("confirm") == "1"


def confirm_page(*, title: str, message: str, button: str, back: str, reason: tuple[str, str] | None = None,
                 danger: bool = True):
    """The confirmation step of an irreversible act, without scripts: the same form again (every
    field kept as hidden inputs) with ``confirm=1`` and a button that says what happens; ``back``
    cancels. ``reason`` = (field name, label) asks for a required text first."""
    kept = [(k, v) for k, values in request.form.lists() if k not in ("csrf_token", "confirm") for v in values
            if reason is None or k != reason[0]]
    return render_template("confirm.html", title=title, message=message, button=button, back=back, kept=kept,
                           action=request.path, reason=reason, danger=danger)


def _distinct(items):
    """Non-empty items in first-seen order (a person often holds several roles at one authority)."""
    seen, out = set(), []
    for item in items:
        if item is not None and item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


@bp.get("/")
@login_required
def home():
    """Home (Trang chủ): the user's authority and unit, then a section per role the user holds."""
    sections = []
    for assignment in sorted(current_user.roles, key=lambda r: list(Role).index(r.role)):
        sections.append({
            "role": assignment.role,
            "label": Role(assignment.role).label,
            "authority": assignment.authority,
            "unit": assignment.unit,
            "tasks": ROLE_TASKS[assignment.role],
        })
    return render_template(
        "home.html",
        sections=sections,
        authorities=_distinct(s["authority"] for s in sections),
        units=_distinct(s["unit"] for s in sections),
        deployment_wide=any(s["authority"] is None for s in sections),
    )


@bp.get("/ngon-ngu/<lang>")
def set_language(lang: str):
    """Switch the interface language (vi / en)."""
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


@bp.app_context_processor
def _language_links():
    """Links of the VI/EN switch. ``next`` drops any ``?lang=`` of the current URL, or that
    parameter would switch the language straight back after the redirect. Nothing outside a
    request (e-mails rendered by a Celery task)."""
    if not has_request_context():
        return {}
    if request.method == "GET":
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        here = request.path + (f"?{urlencode(query)}" if query else "")
    else:  # a re-rendered form (failed POST): come back to the empty form
        here = request.path
    return {"language_links": [
        {"code": code, "name": name, "url": url_for("main.set_language", lang=code, next=here)}
        for code, name in LANGUAGES.items()
    ]}
