"""The organisation's vocabulary: roles, authority kinds and nominee kinds, each with its label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.vocab import LabelledEnum


class Role(LabelledEnum):
    """A role held at an authority (``role_assignment.role`` stores the value)."""

    NOMINATOR = "nominator", _l("Unit nominator")
    SECRETARY = "secretary", _l("Emulation and commendation officer (council secretary)")
    COUNCIL_MEMBER = "council_member", _l("Council member")
    CHAIR = "chair", _l("Chairman")
    HIGHER_REVIEWER = "higher_reviewer", _l("Higher-level reviewer")
    ADMIN = "admin", _l("Administrator")


class AuthorityKind(LabelledEnum):
    """A level of the administrative tree, lowest first (the order ranks deciding levels)."""

    COMMUNE = "commune", _l("commune")
    DISTRICT = "district", _l("district")
    PROVINCE = "province", _l("province")
    CENTRAL = "central", _l("central level")


class NomineeKind(LabelledEnum):
    """Who may receive an award (the label reads inside a sentence: "a household")."""

    INDIVIDUAL = "individual", _l("individual")
    COLLECTIVE = "collective", _l("collective")
    HOUSEHOLD = "household", _l("household")
