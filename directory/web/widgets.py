"""GOV.UK Frontend widgets for WTForms fields (govuk-frontend-wtf), with the input types it lacks."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)

__all__ = [
    "GovCheckboxInput",
    "GovCheckboxesInput",
    "GovDateInput",
    "GovEmailInput",
    "GovFileInput",
    "GovPasswordInput",
    "GovRadioInput",
    "GovSelect",
    "GovTelInput",
    "GovTextArea",
    "GovTextInput",
    "GovUrlInput",
]


class GovEmailInput(GovTextInput):
    input_type = "email"


class GovTelInput(GovTextInput):
    input_type = "tel"


class GovUrlInput(GovTextInput):
    input_type = "url"
