"""Sign-in and password forms (CSRF protected by Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from workflow.auth.passwords import MIN_PASSWORD_LENGTH


def new_password_fields(label, again_label, name: str) -> tuple[PasswordField, PasswordField]:
    """A new password (the length rule) and the same again (it must match the field ``name``)."""
    return (PasswordField(label, validators=[
                DataRequired(message=_l("Enter the new password.")),
                Length(min=MIN_PASSWORD_LENGTH, max=200,
                       message=_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))]),
            PasswordField(again_label, validators=[
                DataRequired(message=_l("Enter the new password again.")),
                EqualTo(name, message=_l("The two new passwords differ."))]))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter your username.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)])


class PasswordForm(FlaskForm):
    """Change one's own password: the current one, the new one twice."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=200)])
    new_password, confirm_password = new_password_fields(_l("New password"), _l("New password again"),
                                                         "new_password")
