"""JSON shapes of rounds, proposals, history, attachments and objections."""

from __future__ import annotations

from sqlalchemy import exists, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from workflow.proposals import policies, states
from workflow.proposals.clock import clock_for
from workflow.proposals.models import Attachment, Objection, PaperReceipt
from workflow.proposals.snapshot import AwardRule
from workflow.proposals.vocab import State

# the lists of the detail's ``full`` part, by relationship
_LISTS = {"attachments": Attachment, "paper_receipts": PaperReceipt, "objections": Objection}


def round_json(r) -> dict:
    return {"id": r.id, "authority_code": r.authority.code, "year": r.year, "kind": r.kind, "title": r.title,
            "nomination_deadline": r.nomination_deadline.isoformat(), "status": "open" if r.is_open else "closed"}


def attachment_json(a) -> dict:
    return {"id": a.id, "doc_type": a.doc_type, "filename": a.filename, "content_type": a.content_type,
            "size": a.size, "sha256": a.sha256, "created_at": a.created_at.isoformat(),
            "url": f"/api/v1/attachments/{a.id}"}


def objection_json(o, public: bool = False, identity: bool = False) -> dict:
    """An objection: its text and status for readers of the proposal (``public``: for the filer,
    without the resolution); the objector's name and contact only with ``identity`` — for the
    screening secretary (``policies.can_see_objector``)."""
    data = {"id": o.id, "proposal_id": o.proposal_id, "text": o.text, "created_at": o.created_at.isoformat(),
            "resolved": o.resolution is not None}
    if not public:
        data["resolution"] = o.resolution
    if identity:
        data.update(name=o.name, contact=o.contact)
    return data


class _Authority:
    __slots__ = ("parent_id",)

    def __init__(self, parent_id):
        self.parent_id = parent_id


class _RowFacts:
    """What ``policies.fireable_events`` reads of a proposal, from a row of the list's page."""

    __slots__ = ("state", "unit_id", "current_authority_id", "origin_authority_id", "current_authority")

    def __init__(self, state, unit_id, current_authority_id, origin_authority_id, parent_id):
        self.state, self.unit_id = state, unit_id
        self.current_authority_id, self.origin_authority_id = current_authority_id, origin_authority_id
        self.current_authority = _Authority(parent_id)


def _iso(value):
    return value.isoformat() if value is not None else None


# Stays whole (long): one row's JSON, field by field, the same as proposal_json's list part.
def proposal_rows_json(page, user) -> list[dict]:
    """The rows of ``GET /proposals`` from ``listing.read_page``'s tuples: the same JSON as
    ``proposal_json(p, user, full=False)`` of the loaded proposals (``tests/proposals/test_list_shape.py`` holds
    each row to the detail's). A row's label (by state) and allowed events (``fireable_events``'s
    key) are worked out once per distinct combination of the page."""
    labels: dict = {}
    events: dict = {}
    out = []
    units, authorities, years = page.units, page.authorities, page.years
    for (id_, state, version, round_id, nominee_id, award_type_code, unit_id, origin_id, current_id, achievements,
         evidence, rule_set_code, missing_items, reason, notice_from, notice_until, linked_id, created_at,
         updated_at, award_rule, nominee_name, nominee_kind) in page.rows:
        if state == State.RECOMMENDED:  # its label asks the rule snapshot whether the council votes
            label = str(states.state_label(state, AwardRule.read(award_rule)))
        else:
            label = labels.get(state)
            if label is None:
                label = labels[state] = str(states.state_label(state))
        current_code, parent_id = authorities[current_id]
        data = {
            "id": id_, "state": state, "state_label": label, "version": version,
            "round_id": round_id, "year": years[round_id], "nominee_id": nominee_id,
            "nominee": {"id": nominee_id, "name": nominee_name, "kind": nominee_kind},
            "award_type_code": award_type_code, "unit_code": units[unit_id],
            "authority_code": current_code, "origin_authority_code": authorities[origin_id][0],
            "achievements": achievements, "evidence": evidence, "rule_set": rule_set_code,
            "missing_items": missing_items, "reason": reason,
            "notice_from": _iso(notice_from), "notice_until": _iso(notice_until),
            "linked_proposal_id": linked_id,
            "created_at": created_at.isoformat(), "updated_at": updated_at.isoformat(),
        }
        if user is not None:
            data["allowed_events"] = policies.fireable_events(
                user, _RowFacts(state, unit_id, current_id, origin_id, parent_id), events)
        out.append(data)
    return out


def proposal_json(p, user=None, calendar=None, full: bool = True, session=None) -> dict:
    """A proposal's JSON (``full=False``: the list's part, which ``proposal_rows_json`` writes from rows)."""
    data = {
        "id": p.id, "state": p.state, "state_label": str(states.state_label(p.state, p.rule)), "version": p.version,
        "round_id": p.round_id, "year": p.round.year, "nominee_id": p.nominee_id,
        "nominee": {"id": p.nominee.id, "name": p.nominee.name, "kind": p.nominee.kind},
        "award_type_code": p.award_type_code, "unit_code": p.unit.code,
        "authority_code": p.current_authority.code, "origin_authority_code": p.origin_authority.code,
        "achievements": p.achievements, "evidence": p.evidence, "rule_set": p.rule_set_code,
        "missing_items": p.missing_items, "reason": p.reason,
        "notice_from": p.notice_from.isoformat() if p.notice_from else None,
        "notice_until": p.notice_until.isoformat() if p.notice_until else None,
        "linked_proposal_id": p.linked_proposal_id,
        "created_at": p.created_at.isoformat(), "updated_at": p.updated_at.isoformat(),
    }
    if full:
        if session is not None:
            _skip_empty_lists(session, p)
        data["attachments"] = [attachment_json(a) for a in p.attachments]
        data["paper_received"] = sorted(r.doc_type for r in p.paper_receipts)
        identity = user is not None and (policies.can_see_objector(session, user, p) if session is not None
                                         else policies.can_screen(user, p))
        data["objections"] = [objection_json(o, identity=identity) for o in p.objections]
        if calendar is not None and session is not None:
            data["clock"] = clock_for(session, p, calendar).as_dict()
    if user is not None:
        data["allowed_events"] = policies.fireable_events(user, p)
    return data


def _skip_empty_lists(session, p) -> None:
    """Which of the proposal's attachments, paper receipts and objections exist, in one select;
    the empty lists are set empty (a proposal rarely has receipts or objections: no select each)."""
    unloaded = [name for name in _LISTS if name in inspect(p).unloaded]
    if not unloaded:
        return
    found = session.execute(select(*[exists().where(_LISTS[name].proposal_id == p.id) for name in unloaded])).one()
    for name, present in zip(unloaded, found, strict=True):
        if not present:
            set_committed_value(p, name, [])


def transition_json(t) -> dict:
    return {"id": t.id, "event": t.event, "from": t.from_state, "to": t.to_state,
            "from_state": t.from_state, "to_state": t.to_state, "actor": t.actor_name,
            "authority_code": t.authority.code, "at": t.created_at.isoformat(), "comment": t.comment,
            "data": t.data}
