"""Forms of the proposal screens (Flask-WTF: every POST carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflow.proposals import evidence

EVIDENCE_FIELDS = ("held_on", "invited", "present", "agreed", "notice_from", "notice_to")


class EvidenceMixin:
    """The hamlet (or unit) meeting and its notice, recorded before submission (SPEC §3, GĐVH)."""

    held_on = DateField(_l("Meeting held on"), validators=[Optional()])
    invited = IntegerField(_l("Households invited"), validators=[Optional(), NumberRange(min=0, max=100000)])
    present = IntegerField(_l("Households present"), validators=[Optional(), NumberRange(min=0, max=100000)])
    agreed = IntegerField(_l("Households agreeing"), validators=[Optional(), NumberRange(min=0, max=100000)])
    notice_from = DateField(_l("Notice posted from"), validators=[Optional()])
    notice_to = DateField(_l("Notice posted until"), validators=[Optional()])

    def evidence_given(self) -> bool:
        return any(getattr(self, name).data not in (None, "") for name in EVIDENCE_FIELDS)

    def check_evidence(self) -> bool:
        """All six fields or none; present ≤ invited, agreed ≤ present, the notice ends after it starts."""
        if not self.evidence_given():
            return True
        ok = True
        for name in EVIDENCE_FIELDS:
            field = getattr(self, name)
            if field.data in (None, "") and not field.errors:
                field.errors = [*field.errors, _l("Fill in every field of the meeting and its notice.")]
                ok = False
        if not ok:
            return False
        if self.present.data > self.invited.data:
            self.present.errors = [*self.present.errors, _l("Cannot exceed the households invited.")]
            ok = False
        if self.agreed.data > self.present.data:
            self.agreed.errors = [*self.agreed.errors, _l("Cannot exceed the households present.")]
            ok = False
        if self.notice_to.data < self.notice_from.data:
            self.notice_to.errors = [*self.notice_to.errors, _l("The notice cannot end before it starts.")]
            ok = False
        return ok

    def evidence_json(self) -> dict | None:
        if not self.evidence_given():
            return None
        return evidence.as_json(*(getattr(self, name).data for name in EVIDENCE_FIELDS))

    def fill_evidence(self, stored: dict | None) -> None:
        """Pre-fill from a proposal's stored evidence (GET of the edit form)."""
        if not stored:
            return
        for name, value in evidence.read_fields(stored).items():
            getattr(self, name).data = value


ACHIEVEMENTS = dict(label=_l("Achievements"), validators=[Length(max=20000)],
                    description=_l("What the nominee achieved this year, as the report will state it."))


class CreateProposalForm(EvidenceMixin, FlaskForm):
    round_id = HiddenField(validators=[DataRequired()])
    unit_code = HiddenField(validators=[DataRequired()])
    nominee_id = RadioField(_l("Nominee"), coerce=int, validate_choice=True,
                            validators=[InputRequired(message=_l("Choose the nominee."))])
    award_type_code = RadioField(_l("Award type"), validate_choice=True,
                                 validators=[InputRequired(message=_l("Choose the award type."))])
    achievements = TextAreaField(**ACHIEVEMENTS)


class LowerAwardForm(FlaskForm):
    """Re-propose a not-recommended proposal for a lower award (a new linked draft)."""

    award_type_code = RadioField(_l("Lower award"), validate_choice=True,
                                 validators=[InputRequired(message=_l("Choose the award type."))])
    achievements = TextAreaField(**ACHIEVEMENTS)


class EditProposalForm(EvidenceMixin, FlaskForm):
    # the version the editor read: a stale one changes nothing (409 from the service)
    version = HiddenField(validators=[DataRequired()])
    achievements = TextAreaField(**ACHIEVEMENTS)


class UploadForm(FlaskForm):
    doc_type = SelectField(_l("Document type"), validators=[DataRequired(message=_l("Choose the document type."))])
    file = FileField(_l("File (PDF, DOCX, JPEG or PNG, up to 20 MB)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class EventForm(FlaskForm):
    """One form for every screen action; the event decides which fields it reads."""

    event = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])
    days = IntegerField(_l("Notice days"), validators=[Optional(), NumberRange(min=1, max=60)])
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=60)])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # set after construction: WTForms 3.3 deprecates tuples passed to the constructor, older
        # versions lack its replacement; the setter takes them quietly in every version
        self.outcome.choices = [("approved", _l("Approved (awarded)")), ("returned", _l("Returned")),
                                ("rejected", _l("Rejected"))]


class ReturnItemForm(Form):
    """One line of the return checklist: a document type or a field, ticked, with a message."""

    key = HiddenField()
    selected = BooleanField()
    message = StringField(validators=[Optional(), Length(max=500)])


class ReturnForm(FlaskForm):
    version = HiddenField()
    lines = FieldList(FormField(ReturnItemForm))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])


class PaperForm(FlaskForm):
    doc_type = HiddenField(validators=[DataRequired()])


class ResolveForm(FlaskForm):
    resolution = TextAreaField(_l("Resolution"), validators=[
        DataRequired(message=_l("Write the resolution.")), Length(max=5000)])


class ObjectionForm(FlaskForm):
    """A member of the public objects to a proposal on notice (no sign-in)."""

    proposal_id = HiddenField(validators=[DataRequired()])
    name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Give your name.")), Length(max=200)])
    contact = StringField(_l("Phone, e-mail or address"), validators=[
        DataRequired(message=_l("Give a way to contact you.")), Length(max=200)])
    text = TextAreaField(_l("Your objection"), validators=[
        DataRequired(message=_l("Write the objection.")),
        Length(min=5, max=5000, message=_l("Write the objection (5 to 5000 characters)."))])


class BulkNominateForm(EvidenceMixin, FlaskForm):
    """Propose many nominees of a unit at once: the ticked ones (``nominee_ids``, read from the
    request), one achievements text and one hamlet meeting with its posted list for all."""

    achievements = TextAreaField(**ACHIEVEMENTS)


class BulkActionForm(FlaskForm):
    """One action on the ticked proposals of a list (``proposal_ids``, read from the request)."""

    action = SelectField(_l("Action"), validators=[DataRequired(message=_l("Choose the action."))])
    reason = TextAreaField(_l("What is missing (for a return)"), validators=[Optional(), Length(max=2000)])
    return_field = SelectField(_l("To complete"), validators=[Optional()])
    meeting_id = SelectField(_l("Meeting"), validators=[Optional()])
