"""Sign-in, sign-up and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import (
    URL,
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..core.accounts import MAX_EMAIL_LENGTH, MIN_PASSWORD_LENGTH, looks_like_email, password_problem
from ..web.widgets import GovEmailInput, GovPasswordInput, GovTelInput, GovTextArea, GovTextInput

EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.org."


def email_address(form, field) -> None:
    """The length first, and nothing more after it fails; then a linear shape check."""
    value = field.data or ""
    if len(value) > MAX_EMAIL_LENGTH:
        raise StopValidation(f"Email address must be {MAX_EMAIL_LENGTH} characters or fewer.")
    if not looks_like_email(value):
        raise StopValidation(EMAIL_MESSAGE)


def email_field(label: str, required: bool = True, **kwargs):
    first = DataRequired(message="Enter your email address.") if required else Optional()
    return EmailField(
        label,
        widget=GovEmailInput(),
        validators=[first, email_address],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        **kwargs,
    )


class NewPassword:
    """The house password rule (core.accounts.password_problem)."""

    def __init__(self, email_field_name: str | None = None):
        self.email_field_name = email_field_name

    def __call__(self, form, field):
        email = form[self.email_field_name].data if self.email_field_name else ""
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = email_field("Email address")
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired(message="Enter your password.")]
    )


class SignupForm(FlaskForm):
    name = StringField(
        "Your full name",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter your full name."), Length(max=200)],
    )
    email = email_field("Email address")
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
        validators=[DataRequired(message="Create a password."), NewPassword("email")],
    )
    confirm = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Confirm your password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    organisation_name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter your organisation's name."), Length(max=200)],
    )
    organisation_description = TextAreaField(
        "What your organisation does",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=4000)],
    )
    organisation_website = StringField(
        "Organisation website",
        widget=GovTextInput(),
        description="For example, https://www.example.org",
        validators=[
            Optional(),
            Length(max=300),
            URL(require_tld=True, message="Enter a web address starting with https:// or http://"),
        ],
    )
    organisation_email = email_field("Organisation contact email", required=False)
    organisation_phone = StringField(
        "Organisation phone number",
        widget=GovTelInput(),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(r"^[0-9 +()\-]{6,}$", message="Enter a phone number, like 020 7946 0000."),
        ],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter your current password.")],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[DataRequired(message="Enter a new password."), NewPassword()],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Confirm your new password."),
            EqualTo("new_password", message="The passwords do not match."),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button-only form: it carries nothing but the CSRF token."""
