"""Configuration from defaults plus environment overrides, validated once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def instance_secret_key(path: Path = INSTANCE_DIR / "secret_key") -> str:
    """A key made once and kept in instance/, so every worker and restart signs sessions alike.

    Set SECRET_KEY in the environment to use your own.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        os.chmod(draft, 0o600)
        try:
            os.link(draft, path)  # atomic: the first worker's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or instance_secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url(INSTANCE_DIR / "directory.sqlite")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL: how long a new connection may take before its request answers 503 (a server
    # host that does not answer at all would otherwise hold the request for minutes).
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    # How long a write waits for other writers before its request answers 503 (well inside
    # gunicorn's 30 s worker timeout).
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
    # A streaming replica for reads that tolerate a little lag (directory/replica.py).
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or None
    DATABASE_REPLICA_RETRY_SECONDS = float(os.environ.get("DATABASE_REPLICA_RETRY_SECONDS", "30"))
    # Anonymous reads of the published catalogue (the finder, service and map pages, the feed)
    # may use the data version this worker read up to this many seconds ago, instead of a
    # query per request: another worker's change reaches them that much later. Signed-in
    # users, and every write, always read it (they see their own changes at once). 0: never.
    CATALOGUE_LAG_SECONDS = float(os.environ.get("CATALOGUE_LAG_SECONDS", "1"))
    POSTCODE_DIRECTORY = os.environ.get("POSTCODE_DIRECTORY") or str(INSTANCE_DIR / "postcodes.sqlite")
    SEED_DIR = str(PROJECT_ROOT / "seed")
    PAGE_SIZE = 20
    MAX_PAGE_SIZE = 100
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure by default: browsers still send such cookies to http://localhost and 127.0.0.1;
    # set SESSION_COOKIE_SECURE=0 only to serve plain HTTP on another address.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a form stays good for a working shift, then expires
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute; 200 per day")
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = os.environ.get(
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes"
    )
    SIGNUP_LIMIT_PER_ADDRESS = os.environ.get("SIGNUP_LIMIT_PER_ADDRESS", "10 per hour")
    # Referral emails go by SMTP to MAIL_SERVER:MAIL_PORT; with no MAIL_SERVER they wait in
    # the outbox (nothing is lost) until one is set and `flask referrals send-mail` runs.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "referrals@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "5"))
    PUBLIC_BASE_URL = os.environ.get(
        "PUBLIC_BASE_URL", "http://127.0.0.1:5000"
    )  # links in emails sent outside a request
    REFERRAL_ACKNOWLEDGE_DAYS = int(os.environ.get("REFERRAL_ACKNOWLEDGE_DAYS", "7"))
    REFERRAL_LIMIT_PER_ACCOUNT = os.environ.get("REFERRAL_LIMIT_PER_ACCOUNT", "30 per hour; 200 per day")
    # The finder offline (a service worker keeping a copy of the directory); "off" is the kill
    # switch: /sw.js then serves a worker that deletes every copy and unregisters itself.
    OFFLINE_FINDER = os.environ.get("OFFLINE_FINDER", "on")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DATABASE_REPLICA_URL = None
    CATALOGUE_LAG_SECONDS = 0.0  # tests that want it set it (tests/integration/test_versioning.py)
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    MAIL_SERVER = None
