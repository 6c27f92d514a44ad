"""Commissioners import a spreadsheet: upload, read the preview, apply; and work through
the values an import could not resolve.

| route | what |
|---|---|
| GET /imports | upload form, template downloads, recent imports, records gone from their source |
| GET /imports/template.csv, /imports/template.xlsx | the spreadsheet template |
| POST /imports/preview | the upload's dry run: every row's action and errors |
| POST /imports/apply | apply the previewed upload (good rows only, one transaction) |
| GET /imports/unresolved | the queue of unresolved values |
| POST /imports/unresolved/<id> | a person's resolution of one value |
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for

from ..auth.guards import account, role_required
from ..extensions import db
from ..operations import imports as pipeline
from ..operations.moderation import borough_names
from ..operations.geocoding import Geocoder
from ..web.postcodes import postcode_directory
from ..web.security import accepts_files
from . import MAX_IMPORT_BYTES, TOO_LARGE, ImportProblem, spreadsheet
from .forms import ApplyForm, ResolveForm, UploadForm

bp = Blueprint("imports", __name__)


@bp.errorhandler(413)
def too_large(error):
    form = UploadForm(formdata=None)  # the request's body is not read: it is too large
    form.file.errors = [TOO_LARGE]
    return _index(form, 413)


def _index(form: UploadForm, status: int = 200):
    return render_template(
        "imports/index.html",
        form=form,
        runs=pipeline.recent_runs(db.session),
        gone=pipeline.gone_records(db.session),
        open_values=len(pipeline.unresolved_queue(db.session)),
        limit_mb=MAX_IMPORT_BYTES // (1024 * 1024),
        done=pipeline.DONE_LABELS,
    ), status


@bp.get("/imports")
@role_required("commissioner")
def index():
    return _index(UploadForm())


@bp.get("/imports/template.csv")
@role_required("commissioner")
def template_csv():
    return Response(
        spreadsheet.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=services-template.csv"},
    )


@bp.get("/imports/template.xlsx")
@role_required("commissioner")
def template_xlsx():
    return Response(
        spreadsheet.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=services-template.xlsx"},
    )


def _geocoder() -> Geocoder:
    return Geocoder(postcode_directory(), db.session)


def _uploads():
    return pipeline.UploadStore(current_app.instance_path)


@bp.post("/imports/preview")
@role_required("commissioner")
@accepts_files
def preview():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    upload = form.file.data
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    try:
        result = pipeline.preview_upload(
            db.session,
            _uploads(),
            data,
            upload.filename or "",
            form.source.data or None,
            _geocoder(),
        )
    except ImportProblem as error:
        form.file.errors = [str(error)]
        return _index(form, 400)
    return render_template(
        "imports/preview.html",
        preview=result.preview,
        labels=pipeline.ACTION_LABELS,
        form=ApplyForm(token=result.token, source=result.source),
    )


@bp.post("/imports/apply")
@role_required("commissioner")
def apply():
    form = ApplyForm()
    if not form.validate_on_submit():
        flash("That import could not be found or has expired: upload the file again.", "error")
        return redirect(url_for("imports.index"), 303)
    try:
        summary = pipeline.apply_upload(
            db.session,
            _uploads(),
            form.token.data,
            form.source.data or None,
            _geocoder(),
            account(),
        )
    except ImportProblem as error:
        flash(f"{error} Nothing was imported.", "error")
        return redirect(url_for("imports.index"), 303)
    flash("Imported: " + "; ".join(summary.lines()) + ".", "success")
    return redirect(url_for("imports.index"), 303)


def _resolve_form(names: dict[str, str], **kwargs) -> ResolveForm:
    form = ResolveForm(**kwargs)
    form.boroughs.choices = sorted(names.items(), key=lambda pair: pair[1])
    return form


@bp.get("/imports/unresolved")
@role_required("commissioner")
def unresolved():
    names = borough_names(db.session)
    return render_template(
        "imports/unresolved.html",
        entries=pipeline.unresolved_queue(db.session),
        resolved=pipeline.unresolved_queue(db.session, "resolved"),
        form=_resolve_form(names),
        names=names,
    )


@bp.post("/imports/unresolved/<int:entry_id>")
@role_required("commissioner")
def resolve(entry_id: int):
    names = borough_names(db.session)
    form = _resolve_form(names)
    if not form.validate_on_submit():
        flash("Choose boroughs from the list, or none.", "error")
        return redirect(url_for("imports.unresolved"), 303)
    try:
        entry = pipeline.resolve_value(db.session, account(), entry_id, form.boroughs.data or [])
    except pipeline.QueueError as error:
        flash(str(error), "error")
        return redirect(url_for("imports.unresolved"), 303)
    meaning = ", ".join(names[c] for c in entry.resolution) or "not a London borough we cover"
    flash(f"'{entry.value}' now means: {meaning}. The next import of its source uses this.", "success")
    return redirect(url_for("imports.unresolved"), 303)
