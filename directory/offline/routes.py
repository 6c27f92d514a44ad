"""The offline finder's files: the service worker, what it keeps, and the copy itself.

| GET | /sw.js | the service worker (scope "/"); with OFFLINE_FINDER off, one that clears everything |
| GET | /offline/manifest.json | the version of the copy and every address it keeps |
| GET | /offline/snapshot.json | the published catalogue as the finder reads it offline |
| GET | /offline/postcodes.json | London's postcodes by sector, to find the borough offline |
"""

from __future__ import annotations

import gzip
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, json, request, url_for

from ..core.caching import BoundedCache
from ..extensions import db
from ..geo.postcode_table import encoded_table
from ..operations.offline import OfflineCopy, offline_copy
from ..web.postcodes import postcode_directory
from .snapshot import snapshot as snapshot_body

bp = Blueprint("offline", __name__)

WORKER = "js/offline-worker.js"
KILL_SWITCH_WORKER = "js/offline-off-worker.js"
# Assets the copy keeps: the pages' own styles, scripts, fonts and images; not the maps' (they
# need the internet for their tiles anyway) and not the worker's own code.
ASSET_SUFFIXES = (".css", ".js", ".woff2", ".woff", ".svg", ".png", ".ico")
NOT_KEPT = ("vendor/leaflet", "js/map-", WORKER, KILL_SWITCH_WORKER)

_snapshots = BoundedCache(maxsize=2)
_tables = BoundedCache(maxsize=1)


def enabled() -> bool:
    return str(current_app.config.get("OFFLINE_FINDER", "on")).strip().lower() not in (
        "off",
        "0",
        "no",
        "false",
    )


@bp.app_context_processor
def offline_helpers():
    return {"offline_finder_on": enabled}


def _static_root() -> Path:
    folder = current_app.static_folder
    assert folder is not None, "the app is created with a static folder"
    return Path(folder)


def _static_text(name: str) -> str:
    return (_static_root() / name).read_text(encoding="utf-8")


def _javascript(body: str) -> Response:
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _copy() -> OfflineCopy:
    if not enabled():
        abort(404)
    return offline_copy(db.session)


@bp.get("/sw.js")
def worker():
    if not enabled():
        return _javascript(_static_text(KILL_SWITCH_WORKER))
    copy = offline_copy(db.session)
    settings = {
        "version": copy.version,
        "taken_on": copy.taken_on.isoformat(),
        "manifest": url_for("offline.manifest"),
    }
    return _javascript(f"const OFFLINE = {json.dumps(settings)};\n" + _static_text(WORKER))


def _assets() -> list[str]:
    root = _static_root()
    names = sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.suffix in ASSET_SUFFIXES
    )
    return [
        url_for("static", filename=name) for name in names if not any(name.startswith(prefix) for prefix in NOT_KEPT)
    ]


@bp.get("/offline/manifest.json")
def manifest():
    copy = _copy()
    pages = [url_for("catalogue.home"), url_for("finder.find"), url_for("catalogue.boroughs")]
    pages += [url_for("catalogue.borough", code=code) for code in copy.borough_codes]
    pages += [url_for("catalogue.service", slug=slug) for slug in copy.service_slugs]
    data = [url_for("offline.snapshot"), url_for("offline.postcodes")]
    response = current_app.json.response(
        {
            "version": copy.version,
            "taken_on": copy.taken_on.isoformat(),
            "pages": pages,
            "data": data,
            "assets": _assets(),
        }
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def _compressible(body: bytes, compressed: bytes | None = None) -> Response:
    response = Response(mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    if "gzip" in request.accept_encodings:
        response.set_data(compressed if compressed is not None else gzip.compress(body, 6))
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(body)
    return response


@bp.get("/offline/snapshot.json")
def snapshot():
    copy = _copy()
    body = _snapshots.get_or_compute(copy.version, lambda: current_app.json.dumps(snapshot_body(copy)).encode())
    return _compressible(body)


@bp.get("/offline/postcodes.json")
def postcodes():
    if not enabled():
        abort(404)
    directory = postcode_directory()
    key = (str(directory.path), directory.metadata().get("source_version"))
    body, compressed = _tables.get_or_compute(key, lambda: encoded_table(directory))
    response = _compressible(body, compressed)
    response.set_etag(f"{key[1]}-{len(body)}")
    return response.make_conditional(request)
