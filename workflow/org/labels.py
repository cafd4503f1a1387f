"""Human labels (Vietnamese first) for the organisation's codes."""

from flask_babel import lazy_gettext as _l

from workflow.org.vocab import AuthorityKind, NomineeKind

AUTHORITY_KIND_LABELS = AuthorityKind.labels()  # the labels live on the enums (org.vocab)

NOMINEE_KIND_LABELS = NomineeKind.labels()

POSITION_LABELS = {
    "chair": _l("chair"),
    "vice_chair": _l("vice-chair"),
    "member": _l("member"),
    "secretary": _l("secretary"),
}

UNIT_KIND_LABELS = {
    "hamlet": _l("hamlet"),
    "school": _l("school"),
    "clinic": _l("clinic"),
    "mass_organisation": _l("mass organisation"),
    "office": _l("office"),
    "other": _l("other"),
}
