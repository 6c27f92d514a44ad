"""Commissioner and administrator forms: user roles, minimum offer items, review decisions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.accounts import ROLES
from ..core.vocabulary import CATEGORIES, COHORTS
from ..web.widgets import GovCheckboxInput, GovSelect, GovTextArea, GovTextInput


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=_choices(ROLES.items()), validators=[DataRequired(message="Choose a role.")], widget=GovSelect()
    )
    organisation_id = SelectField(
        "Organisation (providers only)", coerce=_optional_int, choices=_choices([]), widget=GovSelect()
    )
    active = BooleanField("Can sign in", widget=GovCheckboxInput())

    def set_organisations(self, choices: list[tuple[int, str]]) -> None:
        self.organisation_id.choices = _choices([("", "None")] + choices)


class OfferItemForm(FlaskForm):
    category = SelectField(
        "Category of need",
        choices=_choices([("", "Choose a category")] + list(CATEGORIES.items())),
        validators=[DataRequired(message="Choose a category of need.")],
        widget=GovSelect(),
    )
    cohort = SelectField(
        "Only for this cohort",
        choices=_choices([("", "All cohorts")] + list(COHORTS.items())),
        validators=[Optional()],
        widget=GovSelect(),
    )
    note = StringField(
        "Source note",
        description="The board note this comes from, like 001_0ade4d31785cde55.txt",
        validators=[Optional(), Length(max=120)],
        widget=GovTextInput(),
    )
    quote = TextAreaField("What the note says", validators=[Optional(), Length(max=2000)], widget=GovTextArea())


class ReviewForm(FlaskForm):
    """Approve: nothing but the CSRF token. Reject: a reason the provider will see."""

    reason = TextAreaField(
        "Reason for asking for changes",
        description="The provider sees this. Say what to change.",
        validators=[Optional(), Length(max=2000)],
        widget=GovTextArea(),
    )
