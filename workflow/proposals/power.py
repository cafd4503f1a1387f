"""The deciding power (thẩm quyền quyết định): which authority decides a proposal's award, and
whether that is the authority the proposal sits at now. Public, so the machine's guards
(``within_power``, ``above_power``) and the decisions domain (what may go in a decision, what
must be submitted higher) read one answer."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workflow.proposals import eligibility
from workflow.proposals.states import GuardFailed

LEVEL_ORDER = ("commune", "district", "province", "central")


def award_rule_in_force(session: Session, proposal) -> dict:
    """The rule of the proposal's award type in the rule set in force; GuardFailed when it has none."""
    found = eligibility.award_rule(session, proposal)
    if found is None:
        raise GuardFailed(_("The award type %(code)s is not in the rule set in force.",
                            code=proposal.award_type_code), details={"award_type_code": "not in force"})
    return found[1]


def deciding_authority(session: Session, proposal):
    """The nearest authority at or above the current one whose kind is the deciding level (or the
    first one above it, when the tree has no such level — a 2-tier tree under 3-tier rules)."""
    level = award_rule_in_force(session, proposal)["deciding_level"]
    node = proposal.current_authority
    chain = [node] + node.ancestors()
    for authority in chain:
        if LEVEL_ORDER.index(authority.kind) >= LEVEL_ORDER.index(level):
            return authority
    return None


def deciding_power(session: Session, proposal) -> str:
    """'within' when the proposal's current authority decides its award, else 'above'."""
    deciding = deciding_authority(session, proposal)
    return "within" if deciding is not None and deciding.id == proposal.current_authority_id else "above"
