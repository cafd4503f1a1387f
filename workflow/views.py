"""The home screen: one per role, showing the user's authority and roles."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow.auth.views import safe_next

bp = Blueprint("main", __name__)

ROLE_LABELS = {
    "nominator": _l("Unit nominator"),
    "secretary": _l("Emulation and commendation officer (council secretary)"),
    "council_member": _l("Council member"),
    "chair": _l("Chairman"),
    "higher_reviewer": _l("Higher-level reviewer"),
    "admin": _l("Administrator"),
}

# what each role's home screen offers, in the order a person needs it
ROLE_TASKS = {
    "nominator": [_l("Prepare and submit proposals for your unit"), _l("Answer returned proposals")],
    "secretary": [_l("Screen submitted proposals"), _l("Run council meetings"),
                  _l("Draft decisions and submissions")],
    "council_member": [_l("Attend meetings and cast secret ballots")],
    "chair": [_l("Open and close council votes"), _l("Sign decisions and submissions")],
    "higher_reviewer": [_l("Review submissions from lower authorities")],
    "admin": [_l("Manage users, units, award catalogue and calendar")],
}


@bp.get("/")
@login_required
def home():
    """Home (Trang chủ): a section per role the user holds."""
    sections = []
    for assignment in sorted(current_user.roles, key=lambda r: list(ROLE_LABELS).index(r.role)):
        sections.append({
            "role": assignment.role,
            "label": ROLE_LABELS[assignment.role],
            "authority": assignment.authority,
            "unit": assignment.unit,
            "tasks": ROLE_TASKS[assignment.role],
        })
    return render_template("home.html", sections=sections)


@bp.get("/ngon-ngu/<lang>")
def set_language(lang: str):
    """Switch the interface language (vi / en)."""
    if lang in ("vi", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
