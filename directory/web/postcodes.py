"""The app's one postcode lookup, opened on first use and shared by its threads."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from ..geo.postcode_directory import PostcodeDirectory

_lock = threading.Lock()


def postcode_directory() -> PostcodeDirectory:
    directory = current_app.extensions.get("postcode_directory")
    if directory is not None:
        return directory
    with _lock:
        directory = current_app.extensions.get("postcode_directory")
        if directory is None:
            path = Path(current_app.config["POSTCODE_DIRECTORY"])
            if not path.exists():
                raise ServiceUnavailable("The postcode lookup has not been loaded. Run `flask geo load-postcodes`.")
            directory = PostcodeDirectory(path)
            current_app.extensions["postcode_directory"] = directory
    return directory
