"""Forms of the council screens. The agenda, attendance and ballot pages post lists of checkboxes
and radio buttons whose names depend on the meeting; the views read them (CSRF is checked for
every POST by CSRFProtect)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class MeetingForm(FlaskForm):
    """A new council meeting (phiên họp Hội đồng): the authority, when and where."""

    authority_code = SelectField(_l("Council of"), validators=[DataRequired()])
    scheduled_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                      validators=[DataRequired(message=_l("Give the date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(message=_l("Give the place of the meeting.")),
                                                 Length(max=300)])
