"""GOV.UK Frontend widgets for WTForms fields (govuk-frontend-wtf), with the input types it lacks.

Each widget draws its field with a GOV.UK macro, which is a pure function of the parameters
it is given (no request, user or context reaches it). So the markup for one set of parameters
is drawn once per process and then reused: a form's 33 borough checkboxes take about 13 ms
to draw, and a provider's service form has several such groups (its edit page went from
about 150 ms to 30 ms). Password fields are always drawn afresh.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import render_template
from govuk_frontend_wtf import wtforms_widgets as govuk
from markupsafe import Markup

from ..core.caching import BoundedCache

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


class _Uncacheable(Exception):
    pass


def frozen(value: Any) -> Hashable:
    """``value`` (a macro's parameters) as a hashable key that tells apart everything the
    macro would draw differently: markup from plain text (escaped or not), True from 1."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(frozen(v) for v in value))
    raise _Uncacheable(type(value).__name__)


class DrawnComponents:
    """Markup drawn by GOV.UK templates, by template and parameters, the most recent
    ``maxsize`` kept."""

    def __init__(self, maxsize: int = 1024):
        self._drawn = BoundedCache(maxsize)

    def draw(self, template: str, params: dict) -> Markup:
        try:
            key: Hashable = (template, frozen(params))
        except _Uncacheable:
            return Markup(render_template(template, params=params))
        return self._drawn.get_or_compute(key, lambda: Markup(render_template(template, params=params)))


drawn = DrawnComponents()


class _DrawnOnce:
    template: str

    def render(self, params: dict) -> Markup:
        return drawn.draw(self.template, params)


class GovTextInput(_DrawnOnce, govuk.GovTextInput):
    pass


class GovEmailInput(GovTextInput):
    input_type = "email"


class GovTelInput(GovTextInput):
    input_type = "tel"


class GovUrlInput(GovTextInput):
    input_type = "url"


class GovPasswordInput(govuk.GovPasswordInput):
    """Drawn afresh every time: nothing about a password field is kept."""


class GovCheckboxesInput(_DrawnOnce, govuk.GovCheckboxesInput):
    pass


class GovCheckboxInput(_DrawnOnce, govuk.GovCheckboxInput):
    pass


class GovRadioInput(_DrawnOnce, govuk.GovRadioInput):
    pass


class GovDateInput(_DrawnOnce, govuk.GovDateInput):
    pass


class GovFileInput(_DrawnOnce, govuk.GovFileInput):
    pass


class GovSelect(_DrawnOnce, govuk.GovSelect):
    pass


class GovTextArea(_DrawnOnce, govuk.GovTextArea):
    pass
