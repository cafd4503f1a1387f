"""Human labels (Vietnamese first) for the organisation's codes."""

from flask_babel import lazy_gettext as _l

AUTHORITY_KIND_LABELS = {
    "commune": _l("commune"),
    "district": _l("district"),
    "province": _l("province"),
    "central": _l("central level"),
}

NOMINEE_KIND_LABELS = {
    "individual": _l("individual"),
    "collective": _l("collective"),
    "household": _l("household"),
}

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
