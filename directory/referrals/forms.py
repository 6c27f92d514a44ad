"""Referral forms. They offer coded facts only: no field can hold who the person is."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import Optional

from ..core.referrals import AGE_BANDS, REFERRER_AGENCIES
from ..core.vocabulary import CATEGORIES, CONDITION_KINDS, DISPOSALS, PERSON_COHORTS
from ..providers.forms import DayField
from ..web.widgets import GovCheckboxesInput, GovCheckboxInput, GovSelect, GovTextInput


def _choices(vocabulary, blank: str | None = None) -> list[SelectChoice]:
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(value, label) for value, label in vocabulary.items()]


class ReferralForm(FlaskForm):
    service = HiddenField()
    borough = SelectField(
        "Borough the person lives in",
        validate_choice=False,
        widget=GovSelect(),
        description="The borough only: the directory never holds an address or postcode.",
    )
    referrer_agency = SelectField(
        "You are referring from",
        choices=_choices(REFERRER_AGENCIES, "Choose one"),
        validate_choice=False,
        widget=GovSelect(),
    )
    age_band = SelectField(
        "Age band", choices=_choices(AGE_BANDS, "Choose one"), validate_choice=False, widget=GovSelect()
    )
    needs = SelectMultipleField(
        "Needs this service should help with",
        choices=_choices(CATEGORIES),
        validators=[Optional()],
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    cohort = SelectField(
        "Criminal justice status",
        choices=_choices(PERSON_COHORTS, "Not given"),
        validate_choice=False,
        widget=GovSelect(),
    )
    disposal = SelectField(
        "Out-of-court disposal", choices=_choices(DISPOSALS, "None"), validate_choice=False, widget=GovSelect()
    )
    condition_kind = SelectField(
        "Kind of condition", choices=_choices(CONDITION_KINDS, "None"), validate_choice=False, widget=GovSelect()
    )
    condition_due = DayField(
        "Condition to be completed by",
        validators=[Optional()],
        widget=GovTextInput(),
        description="For example, 2025-04-30. Both you and the provider will see it.",
    )
    consent = BooleanField("The person has agreed to this referral", widget=GovCheckboxInput())
    confirm_warnings = BooleanField(
        "I have read the warnings above and want to send the referral anyway", widget=GovCheckboxInput()
    )

    def set_boroughs(self, boroughs: list[tuple[str, str]]) -> None:
        self.borough.choices = [SelectChoice("", "Choose a borough")] + [SelectChoice(c, n) for c, n in boroughs]

    def values(self) -> dict:
        due = self.condition_due.data
        return {
            "service": self.service.data or "",
            "borough": self.borough.data or None,
            "referrer_agency": self.referrer_agency.data or None,
            "age_band": self.age_band.data or None,
            "needs": list(self.needs.data or []),
            "cohort": self.cohort.data or None,
            "disposal": self.disposal.data or None,
            "condition_kind": self.condition_kind.data or None,
            "condition_due": due.isoformat() if due else None,
            "consent": bool(self.consent.data),
        }

    def add_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


class TransitionForm(FlaskForm):
    to = HiddenField()
    reason = SelectField("Reason", validate_choice=False, choices=[], widget=GovSelect())
