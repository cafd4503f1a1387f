"""What each reminder says, rendered in the current locale (the reader's: a recipient's for an
e-mail, the signed-in user's on screen). The outbox stores only the kind and its parameters."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflow.locales import current_locale, is_english
from workflow.reminders.schedule import LOCAL_TZ

KIND_LABELS = {
    "nomination_deadline": _l("Nomination deadline"),
    "returned_not_resubmitted": _l("Returned proposal not resubmitted"),
    "processing_limit": _l("Processing time limit"),
    "meeting_soon": _l("Council meeting coming up"),
    "vote_pending": _l("Vote not cast"),
    "notice_over": _l("Public notice period over"),
    "awaiting_decision": _l("Recommended proposal awaiting a decision"),
    "submission_unanswered": _l("Submission without an answer"),
    "household_review_deadline": _l("Household review deadline"),
    "proposal_returned": _l("Proposal returned"),
    "proposal_accepted": _l("Proposal accepted"),
    "proposal_rejected": _l("Proposal rejected"),
    "proposal_awarded": _l("Award granted"),
    "meeting_scheduled": _l("Council meeting scheduled"),
    "voting_opened": _l("Voting opened"),
    "submission_answered": _l("Submission answered"),
}

EMAIL_MODE_LABELS = {
    "immediate": _l("Each reminder by e-mail"),
    "digest": _l("One daily digest e-mail"),
    "off": _l("No e-mail (in the application only)"),
}


def _day(value: str | None) -> str:
    if not value:
        return ""
    # Vietnamese administrative style (31/10/2025); other languages their usual medium form
    pattern = "dd/MM/yyyy" if current_locale() == "vi" else "medium"
    return format_date(date.fromisoformat(value), pattern)


def moment(value: str | datetime | None) -> str:
    """A UTC moment as local (Vietnam) date and time in the current locale."""
    if not value:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    # naive local time: Flask-Babel's own time zone setting stays UTC for the rest of the app
    return format_datetime(at.astimezone(LOCAL_TZ).replace(tzinfo=None), "short")


def prefix(action: bool) -> str:
    """The subject prefix: distinct for messages that ask for action."""
    return _("[Action required]") if action else _("[For information]")


def _award(p: dict) -> str:
    """The award's full name in the current language (event notifications keep both)."""
    english = is_english()
    return p.get("award_en" if english else "award_vi") or p.get("award_vi") or p.get("award", "")


def _with_comment(text: str, p: dict) -> str:
    comment = (p.get("comment") or "").strip()
    return f"{text} {_('Comment: %(comment)s', comment=comment)}" if comment else text


def render_event(kind: str, p: dict) -> tuple[str, str] | None:
    """(title, body) of an event notification, or None when ``kind`` is a reminder."""
    nominee, award, authority = p.get("nominee", ""), _award(p), p.get("authority", "")
    if kind == "proposal_returned":
        return (_("The proposal for %(nominee)s was returned for changes", nominee=nominee),
                _with_comment(_("%(authority)s returned the proposal for %(nominee)s (%(award)s). Complete the "
                                "missing items and resubmit it.", authority=authority, nominee=nominee, award=award),
                              p))
    if kind == "proposal_accepted":
        return (_("The proposal for %(nominee)s was accepted", nominee=nominee),
                _("%(authority)s accepted the dossier of %(nominee)s (%(award)s) for review.", authority=authority,
                  nominee=nominee, award=award))
    if kind == "proposal_rejected":
        return (_("The proposal for %(nominee)s was rejected", nominee=nominee),
                _("The proposal for %(nominee)s (%(award)s) was rejected. Reason: %(reason)s", nominee=nominee,
                  award=award, reason=p.get("reason") or p.get("comment") or "—"))
    if kind == "proposal_awarded":
        return (_("%(nominee)s was awarded %(award)s", nominee=nominee, award=award),
                _("%(nominee)s received %(award)s by decision %(number)s.", nominee=nominee, award=award,
                  number=p.get("decision_number") or "—"))
    if kind == "submission_answered":
        outcome = {"approved": _("approved"), "returned": _("returned"), "rejected": _("rejected")}.get(
            p.get("outcome", ""), p.get("outcome", ""))
        return (_("The higher level answered: %(nominee)s — %(outcome)s", nominee=nominee, outcome=outcome),
                _with_comment(_("The higher level's answer on the proposal for %(nominee)s (%(award)s) is "
                                "recorded: %(outcome)s.", nominee=nominee, award=award, outcome=outcome), p))
    if kind == "meeting_scheduled":
        return (_("Council meeting scheduled on %(when)s", when=moment(p.get("when"))),
                _("The emulation and commendation council of %(authority)s will meet on %(when)s at %(place)s.",
                  authority=authority, when=moment(p.get("when")), place=p.get("place", "")))
    if kind == "voting_opened":
        return (_("Voting is open at the council meeting of %(when)s", when=moment(p.get("when"))),
                _("The chair opened the secret ballot of the council of %(authority)s. Cast your ballot.",
                  authority=authority))
    return None


# Stays whole (long or radon D+): one branch per reminder kind, each with its own wording.
def render(kind: str, level: str, params: dict) -> tuple[str, str]:
    """(title, body) of a reminder or an event notification in the current locale."""
    p = params or {}
    event = render_event(kind, p)
    if event is not None:
        return event
    deadline = _day(p.get("deadline"))
    nominee, award = p.get("nominee", ""), p.get("award", "")
    before = (p.get("offset") or 0) < 0
    if kind == "nomination_deadline":
        return (_("Nominations for “%(round)s” close on %(deadline)s", round=p.get("round", ""), deadline=deadline),
                _("%(units)s has not submitted any proposal for “%(round)s” yet. Nominations close on %(deadline)s.",
                  units=", ".join(p.get("units") or []), round=p.get("round", ""), deadline=deadline))
    if kind == "household_review_deadline":
        return (_("The household review closes on %(deadline)s", deadline=deadline),
                _("%(units)s has not proposed any household for “%(round)s” yet. The household review must be "
                  "finished by %(deadline)s.", units=", ".join(p.get("units") or []), round=p.get("round", ""),
                  deadline=deadline))
    if kind == "returned_not_resubmitted":
        return (_("The proposal for %(nominee)s is still waiting for your changes", nominee=nominee),
                _("The proposal for %(nominee)s (%(award)s) was returned for changes on %(returned_on)s and has not "
                  "been resubmitted. Complete the missing items and resubmit it.", nominee=nominee, award=award,
                  returned_on=_day(p.get("returned_on"))))
    if kind == "processing_limit":
        if level == "escalate":
            return (_("Escalation: the proposal for %(nominee)s is past its processing limit", nominee=nominee),
                    _("The proposal for %(nominee)s (%(award)s) at %(authority)s passed its limit of %(limit)s "
                      "working days on %(deadline)s and has still not been handled.", nominee=nominee, award=award,
                      authority=p.get("authority", ""), limit=p.get("limit", ""), deadline=deadline))
        if before:
            return (_("The proposal for %(nominee)s reaches its processing limit on %(deadline)s", nominee=nominee,
                      deadline=deadline),
                    _("The proposal for %(nominee)s (%(award)s) must be processed within %(limit)s working days, "
                      "by %(deadline)s.", nominee=nominee, award=award, limit=p.get("limit", ""),
                      deadline=deadline))
        return (_("The proposal for %(nominee)s is past its processing limit", nominee=nominee),
                _("The proposal for %(nominee)s (%(award)s) passed its limit of %(limit)s working days on "
                  "%(deadline)s.", nominee=nominee, award=award, limit=p.get("limit", ""), deadline=deadline))
    if kind == "meeting_soon":
        return (_("Council meeting on %(when)s", when=moment(p.get("when"))),
                _("The emulation and commendation council of %(authority)s meets on %(when)s at %(place)s.",
                  authority=p.get("authority", ""), when=moment(p.get("when")), place=p.get("place", "")))
    if kind == "vote_pending":
        return (_("Your ballot for the council meeting of %(when)s", when=moment(p.get("when"))),
                _("Voting is open at the council meeting of %(when)s and you have not voted on every item yet.",
                  when=moment(p.get("when"))))
    if kind == "notice_over":
        if level == "escalate":
            return (_("Escalation: the public notice for %(nominee)s is still open", nominee=nominee),
                    _("The public notice of the proposal for %(nominee)s ended on %(deadline)s and has not been "
                      "closed.", nominee=nominee, deadline=deadline))
        return (_("The public notice for %(nominee)s is over", nominee=nominee),
                _("The public notice of the proposal for %(nominee)s (%(award)s) ended on %(deadline)s. Settle any "
                  "objections and close the notice.", nominee=nominee, award=award, deadline=deadline))
    if kind == "awaiting_decision":
        if before:
            return (_("The proposal for %(nominee)s awaits your decision by %(deadline)s", nominee=nominee,
                      deadline=deadline),
                    _("The council recommended the proposal for %(nominee)s (%(award)s) on %(since)s. Decide on it "
                      "by %(deadline)s.", nominee=nominee, award=award, since=_day(p.get("since")),
                      deadline=deadline))
        return (_("The proposal for %(nominee)s is past its decision deadline", nominee=nominee),
                _("The council recommended the proposal for %(nominee)s (%(award)s) on %(since)s; the decision "
                  "was due by %(deadline)s.", nominee=nominee, award=award, since=_day(p.get("since")),
                  deadline=deadline))
    if kind == "submission_unanswered":
        title = (_("Escalation: submission %(number)s is still without an answer", number=p.get("number", ""))
                 if level == "escalate" else
                 _("Submission %(number)s has no answer yet", number=p.get("number", "")))
        return (title,
                _("Submission %(number)s was sent to %(to)s on %(sent_on)s; %(open)s of its proposals still have no "
                  "answer after %(days)s working days (due by %(deadline)s). Follow it up or record the outcome.",
                  number=p.get("number", ""), to=p.get("to", ""), sent_on=_day(p.get("sent_on")),
                  open=p.get("open", ""), days=p.get("days", ""), deadline=deadline))
    return (str(KIND_LABELS.get(kind, kind)), "")


def link(kind: str, params: dict) -> str | None:
    """The path of what a notification is about (proposal, meeting, ballot), or None."""
    from flask import url_for

    p = params or {}
    if kind == "voting_opened" and p.get("meeting_id"):
        return url_for("council.ballot", meeting_id=p["meeting_id"])
    if p.get("meeting_id"):
        return url_for("council.detail", meeting_id=p["meeting_id"])
    if p.get("proposal_id"):
        return url_for("proposals.detail", proposal_id=p["proposal_id"])
    return None


def subject_line(kind: str, level: str, action: bool, params: dict) -> str:
    return f"{prefix(action)} {render(kind, level, params)[0]}"
