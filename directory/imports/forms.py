"""The commissioners' import forms: upload, apply what was previewed, resolve a value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..web.widgets import GovCheckboxesInput, GovFileInput, GovTextInput

SOURCE_NAME = Regexp(r"^[A-Za-z0-9 ._-]*$", message="Use letters, numbers, spaces, dots, dashes only.")


class UploadForm(FlaskForm):
    file = FileField(
        "File to import (.csv or .xlsx from the template, or an Open Referral feed as .json)",
        validators=[FileRequired(message="Choose the file to import.")],
        widget=GovFileInput(),
    )
    source = StringField(
        "Name of this spreadsheet",
        description="Rows are matched by id within the same name on the next upload; the default is the file's name.",
        validators=[Optional(), Length(max=50), SOURCE_NAME],
        widget=GovTextInput(),
    )


class ApplyForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    source = HiddenField(validators=[Optional(), Length(max=50), SOURCE_NAME])


class ResolveForm(FlaskForm):
    boroughs = SelectMultipleField(
        "Boroughs it means",
        choices=[],
        validate_choice=True,
        description="Choose none if it is not a London borough we cover.",
        widget=GovCheckboxesInput(),
    )
