"""Provider forms: their organisation, a service with every catalogue field, its sites.

Domain rules (ages, dates, OoCD caps...) live in ``core.service_rules``; the form calls
them and puts each message beside its field. ``values()`` turns a valid form into the
JSON-able dict the operations store and apply.
"""

from __future__ import annotations

import math
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FloatField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp

from ..auth.forms import email_field
from ..core.oocd import disposal_choices
from ..core.postcodes import InvalidPostcode, normalise
from ..core.service_rules import check_service
from ..core.vocabulary import (
    CATEGORIES,
    COHORTS,
    CONDITION_KINDS,
    GENDERS,
    OFFENCES,
    REFERRAL_ROUTES,
    RISK_LEVELS,
    STATUSES,
)
from ..operations.records import SCALARS
from ..web.widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovTelInput,
    GovTextArea,
    GovTextInput,
    GovUrlInput,
)

PHONE = Regexp(r"^[0-9 +()\-]{6,60}$", message="Enter a phone number, like 020 7946 0000.")
WEB = URL(require_tld=True, message="Enter a web address starting with https:// or http://")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _choices(pairs) -> list[SelectChoice]:
    items = pairs.items() if hasattr(pairs, "items") else pairs
    return [SelectChoice(value, label) for value, label in items]


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
            except ValueError:
                self.data = None
                raise ValueError("Enter a whole number, like 18.") from None
        else:
            self.data = None


class NumberField(FloatField):
    """A finite number ("inf", "nan" and 1e309 are not numbers anyone means)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = float(valuelist[0].strip())
            except ValueError:
                self.data = None
            if self.data is None or not math.isfinite(self.data):
                self.data = None
                raise ValueError("Enter a number, like 12 or 7.5.")
        else:
            self.data = None


class DayField(DateField):
    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = date.fromisoformat(valuelist[0].strip())
            except ValueError:
                self.data = None
                raise ValueError("Enter a real date, like 2024-04-01.") from None
        else:
            self.data = None


def _multi(label: str, vocabulary, description: str = "") -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=_choices(vocabulary),
        description=description,
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        "Organisation name",
        filters=[_strip],
        validators=[DataRequired(message="Enter the organisation's name."), Length(max=200)],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "What your organisation does", filters=[_strip], validators=[Optional(), Length(max=4000)], widget=GovTextArea()
    )
    website = StringField(
        "Website",
        filters=[_strip],
        description="For example, https://www.example.org",
        validators=[Optional(), Length(max=300), WEB],
        widget=GovUrlInput(),
    )
    email = email_field("Contact email", required=False)
    phone = StringField(
        "Phone number", filters=[_strip], validators=[Optional(), Length(max=60), PHONE], widget=GovTelInput()
    )
    version = HiddenField()

    def values(self) -> dict:
        return {f: (self[f].data or None) for f in ("name", "description", "website", "email", "phone")}


class SiteForm(Form):
    """One delivery site; a row left wholly empty is ignored."""

    name = StringField("Site name", filters=[_strip], validators=[Optional(), Length(max=200)], widget=GovTextInput())
    address = StringField("Address", filters=[_strip], validators=[Optional(), Length(max=500)], widget=GovTextInput())
    postcode = StringField(
        "Postcode",
        filters=[_strip],
        description="A London postcode, like SE1 7TP",
        validators=[Optional(), Length(max=10)],
        widget=GovTextInput(),
    )
    opening_details = StringField(
        "Opening days and times", filters=[_strip], validators=[Optional(), Length(max=500)], widget=GovTextInput()
    )

    def is_blank(self) -> bool:
        return not any(self[f].data for f in ("name", "address", "postcode", "opening_details"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        if not self.name.data:
            self.name.errors.append("Enter the site's name.")
            ok = False
        if not self.postcode.data:
            self.postcode.errors.append("Enter the site's postcode.")
            ok = False
        else:
            try:
                self.postcode.data = normalise(self.postcode.data)
            except InvalidPostcode:
                self.postcode.errors.append("Enter a real postcode, like SE1 7TP.")
                ok = False
        return ok


class ServiceForm(FlaskForm):
    name = StringField(
        "Service name",
        filters=[_strip],
        validators=[DataRequired(message="Enter the service's name."), Length(max=200)],
        widget=GovTextInput(),
    )
    summary = StringField(
        "Summary",
        filters=[_strip],
        description="One sentence: what it does and for whom.",
        validators=[DataRequired(message="Enter a one-sentence summary."), Length(max=300)],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "Description", filters=[_strip], validators=[Optional(), Length(max=8000)], widget=GovTextArea()
    )
    status = SelectField(
        "Status",
        choices=_choices(STATUSES),
        default="commissioned",
        validators=[DataRequired(message="Choose the service's status.")],
        widget=GovSelect(),
    )
    starts_on = DayField(
        "Start date", description="For example, 2024-04-01", validators=[Optional()], widget=GovTextInput()
    )
    ends_on = DayField(
        "End date", description="Leave empty if it has no end date.", validators=[Optional()], widget=GovTextInput()
    )

    pan_london = BooleanField("Delivered across all of London (pan-London)", widget=GovCheckboxInput())
    boroughs = SelectMultipleField(
        "Boroughs delivered in",
        choices=[],
        validators=[Optional()],
        description="Select every borough, or pan-London above.",
        widget=GovCheckboxesInput(),
    )
    coverage_note = TextAreaField(
        "Anything else about where it is delivered",
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
        widget=GovTextArea(),
    )

    categories = _multi("Categories of need", CATEGORIES)
    cohorts = _multi("Cohorts it is open to", COHORTS)

    min_age = WholeNumberField(
        "Minimum age",
        validators=[Optional(), NumberRange(min=0, max=120, message="Enter an age from 0 to 120.")],
        widget=GovTextInput(),
    )
    max_age = WholeNumberField(
        "Maximum age",
        validators=[Optional(), NumberRange(min=0, max=120, message="Enter an age from 0 to 120.")],
        widget=GovTextInput(),
    )
    genders = _multi("Only for these genders", GENDERS, "Leave all unticked if open to everyone.")
    risk_levels = _multi("Risk levels accepted", RISK_LEVELS, "Leave all unticked if not restricted.")
    offences_accepted = _multi("Offences accepted", OFFENCES, "Only if the service is limited to these.")
    offences_excluded = _multi("Offences excluded", OFFENCES)
    languages = StringField(
        "Languages it is delivered in",
        filters=[_strip],
        description="Separate languages with commas, like English, Polish.",
        validators=[Optional(), Length(max=500)],
        widget=GovTextInput(),
    )
    veterans_only = BooleanField("Only for veterans", widget=GovCheckboxInput())
    neurodivergent_only = BooleanField("Only for neurodivergent people", widget=GovCheckboxInput())
    eligibility_notes = TextAreaField(
        "Other eligibility rules", filters=[_strip], validators=[Optional(), Length(max=2000)], widget=GovTextArea()
    )

    oocd_disposals = _multi("Out-of-court disposals it can be a condition of", disposal_choices())
    oocd_condition_kinds = _multi("Kinds of condition it provides", CONDITION_KINDS)
    oocd_hours = NumberField("Hours of the condition", validators=[Optional()], widget=GovTextInput())
    oocd_completion_weeks = NumberField("Weeks to complete", validators=[Optional()], widget=GovTextInput())
    oocd_notes = TextAreaField(
        "Notes for officers", filters=[_strip], validators=[Optional(), Length(max=2000)], widget=GovTextArea()
    )

    capacity = StringField(
        "Capacity",
        filters=[_strip],
        description="For example, 40 places a year.",
        validators=[Optional(), Length(max=500)],
        widget=GovTextInput(),
    )
    cost = StringField(
        "Cost",
        filters=[_strip],
        description="For example, free to the person.",
        validators=[Optional(), Length(max=500)],
        widget=GovTextInput(),
    )
    funder = StringField("Funder", filters=[_strip], validators=[Optional(), Length(max=500)], widget=GovTextInput())
    referral_routes = _multi("Who can refer", REFERRAL_ROUTES)
    how_to_refer = TextAreaField(
        "How to refer",
        filters=[_strip],
        validators=[DataRequired(message="Say how to refer someone."), Length(max=2000)],
        widget=GovTextArea(),
    )
    website = StringField(
        "Website", filters=[_strip], validators=[Optional(), Length(max=300), WEB], widget=GovUrlInput()
    )
    email = email_field("Referral email", required=False)
    phone = StringField(
        "Referral phone", filters=[_strip], validators=[Optional(), Length(max=60), PHONE], widget=GovTelInput()
    )

    sites = FieldList(FormField(SiteForm), label="Delivery sites", min_entries=1)
    version = HiddenField()

    def set_boroughs(self, choices: list[tuple[str, str]]) -> None:
        self.boroughs.choices = _choices(choices)

    def _languages(self) -> list[str]:
        return [part.strip() for part in (self.languages.data or "").split(",") if part.strip()]

    def _filled_sites(self) -> list[SiteForm]:
        return [entry.form for entry in self.sites if not entry.form.is_blank()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        values = {name: self[name].data for name in self._fields if name not in ("csrf_token", "sites")}
        values["has_sites"] = bool(self._filled_sites())
        for name, message in check_service(values).items():
            if not self[name].errors:
                self[name].errors = list(self[name].errors) + [message]
            ok = False
        return ok

    def add_site_problems(self, problems: dict[int, str]) -> None:
        """Server-side site problems (postcode lookup), keyed by filled-site position."""
        filled = self._filled_sites()
        for index, message in problems.items():
            field = filled[index].postcode
            field.errors = list(field.errors) + [message]

    def values(self) -> dict:
        """The submitted service as the JSON-able dict the operations store."""
        out = {}
        for name in SCALARS:
            value = self[name].data
            out[name] = None if value == "" else value
        for name in ("starts_on", "ends_on"):
            out[name] = self[name].data.isoformat() if self[name].data else None
        for name in (
            "boroughs",
            "categories",
            "cohorts",
            "genders",
            "risk_levels",
            "offences_accepted",
            "offences_excluded",
            "oocd_disposals",
            "oocd_condition_kinds",
            "referral_routes",
        ):
            out[name] = list(self[name].data or [])
        out["pan_london"] = bool(self.pan_london.data)
        out["veterans_only"] = bool(self.veterans_only.data)
        out["neurodivergent_only"] = bool(self.neurodivergent_only.data)
        out["languages"] = self._languages()
        out["sites"] = [
            {f: (site[f].data or None) for f in ("name", "address", "postcode", "opening_details")}
            for site in self._filled_sites()
        ]
        return out


def service_form_data(values: dict) -> dict:
    """Stored values as the form's initial data (dates as dates, languages as text)."""
    data = dict(values)
    for name in ("starts_on", "ends_on"):
        data[name] = date.fromisoformat(values[name]) if values.get(name) else None
    data["languages"] = ", ".join(values.get("languages") or [])
    data["sites"] = [
        {f: site.get(f) or "" for f in ("name", "address", "postcode", "opening_details")}
        for site in values.get("sites") or []
    ]
    return data


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason for rejecting",
        filters=[_strip],
        description="The provider sees this. Say what to change.",
        validators=[DataRequired(message="Give a reason the provider can act on."), Length(max=2000)],
        widget=GovTextArea(),
    )
