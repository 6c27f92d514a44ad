#!/usr/bin/env python
"""Serve one app for a benchmark: the directory on a given database, or a trivial Flask app.

    python bench/serve.py --app directory --db PATH|URL --port N [--server gunicorn|werkzeug]
    python bench/serve.py --app trivial --port N

``trivial`` is a two-line Flask app (``GET /ping`` -> ``{"ok": true}``) that exists only here,
as the floor to compare the directory's endpoints with; it is not part of the product.
gunicorn runs ``--workers`` processes of ``--threads`` threads (gthread), with the settings
of ``--config`` (a gunicorn.conf.py) when given; werkzeug runs one threaded process. Rate limiting is off so that the load generator is never refused.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def trivial_app():
    from flask import Flask, jsonify

    app = Flask("trivial")

    @app.get("/ping")
    def ping():
        return jsonify({"ok": True})

    return app


def directory_app(db: str, postcodes: str):
    from directory import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db if "://" in db else f"sqlite:///{db}",
            "POSTCODE_DIRECTORY": postcodes,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", choices=["directory", "trivial"], required=True)
    parser.add_argument("--db")
    parser.add_argument("--postcodes", default=str(ROOT / "instance" / "postcodes.sqlite"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--config", help="a gunicorn configuration file whose settings apply")
    parser.add_argument("--workers", type=int, default=None, help="default: the config's, or one per CPU")
    parser.add_argument("--threads", type=int, default=None, help="default: the config's, or 4")
    args = parser.parse_args()

    def make():
        return directory_app(args.db, args.postcodes) if args.app == "directory" else trivial_app()

    if args.server == "werkzeug":
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        make_server("127.0.0.1", args.port, make(), threaded=True).serve_forever()
        return 0

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            if args.config:
                import runpy

                for key, value in runpy.run_path(args.config).items():
                    if key in self.cfg.settings and value is not None:
                        self.cfg.set(key, value)
            else:
                self.cfg.set("workers", os.cpu_count() or 1)
                self.cfg.set("threads", 4)
                self.cfg.set("keepalive", 5)
            if args.workers:
                self.cfg.set("workers", args.workers)
            if args.threads:
                self.cfg.set("threads", args.threads)
            self.cfg.set("bind", f"127.0.0.1:{args.port}")
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 120)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("accesslog", None)

        def load(self):
            return make()

    Server().run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
