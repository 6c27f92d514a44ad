#!/usr/bin/env python
"""Concurrent writers on one SQLite file, over HTTP: errors and latency.

Gunicorn (gthread, ``--workers`` processes of ``--threads`` threads) on 127.0.0.1 serves a
freshly migrated and seeded database. ``--writers`` providers, each with a service of
their own, then:

1. all sign in at the same moment (``--rounds`` times);
2. all edit their own service over and over for ``--seconds`` (open the edit page, save);
   meanwhile ``--readers`` clients read ``/services`` and ``/api/find``;
3. pairs of them save the same service at the same moment, from forms opened together
   (``--rounds`` times): one save should win and the other be told the service changed.

Every response's status is counted; a 500 or 503 is an error. Latency is per request.
Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.httpbench import Server, build_database, database_url  # noqa: E402

PASSWORD = "a long bench passphrase"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"')


def add_providers(db: Path | str, count: int) -> list[str]:
    from directory import create_app
    from directory.extensions import db as database
    from directory.models import Organisation
    from directory.operations.accounts import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(db)})
    emails = []
    with app.app_context():
        for n in range(count):
            org = Organisation(slug=f"bench-writer-{n}", name=f"Bench Writer {n}", moderation="published")
            database.session.add(org)
            database.session.flush()
            emails.append(f"bench-writer-{n}@example.org")
            create_user(database.session, emails[-1], f"Bench Writer {n}", PASSWORD, "provider", org.id)
        database.session.remove()
        database.engine.dispose()
    return emails


def service_form(name: str, summary: str) -> dict:
    return {
        "name": name,
        "summary": summary,
        "description": "Mentoring.",
        "status": "commissioned",
        "starts_on": "2024-04-01",
        "boroughs": ["E09000022"],
        "categories": ["employment_education_training"],
        "cohorts": ["prison_leaver"],
        "min_age": "18",
        "max_age": "25",
        "languages": "English",
        "referral_routes": ["probation"],
        "how_to_refer": "Email the team.",
        "email": "team@example.org",
        "sites-0-name": "Hub",
        "sites-0-address": "1 Example Street",
        "sites-0-postcode": "SE1 7TP",
    }


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.seconds: list[float] = []
        self.failures: Counter = Counter()

    def add(self, status: int, seconds: float, detail: str = ""):
        with self.lock:
            self.statuses[status] += 1
            self.seconds.append(seconds)
            if status >= 500:
                self.failures[detail[:80]] += 1

    def line(self, label: str) -> str:
        s = sorted(self.seconds) or [0.0]
        pct = lambda p: s[min(len(s) - 1, int(p * len(s)))] * 1000  # noqa: E731
        errors = sum(n for code, n in self.statuses.items() if code >= 500)
        return (
            f"{label:<38} n={len(self.seconds):>5}  errors(5xx)={errors:<4} statuses={dict(sorted(self.statuses.items()))}  "
            f"p50={pct(0.5):.0f} ms  p95={pct(0.95):.0f} ms  max={s[-1] * 1000:.0f} ms"
        )


def timed(tally: Tally, call, *args, **kwargs):
    t0 = time.perf_counter()
    response = call(*args, **kwargs)
    text = response.text
    detail = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:200] if response.status_code >= 500 else ""
    tally.add(response.status_code, time.perf_counter() - t0, detail)
    return response


def together(jobs):
    barrier = threading.Barrier(len(jobs))
    threads = [threading.Thread(target=lambda j=j: (barrier.wait(), j())) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    # Plain HTTP on loopback: browsers send Secure cookies to 127.0.0.1, python-requests does not.
    os.environ["SESSION_COOKIE_SECURE"] = "0"

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        build_database(db)
        emails = add_providers(db, args.writers)
        with Server("directory", db, workers=args.workers, threads=args.threads) as server:
            base = server.base
            with sqlite3.connect(db) as probe:
                journal = probe.execute("PRAGMA journal_mode").fetchone()[0]
            print(
                f"gunicorn {args.workers} workers x {args.threads} threads; {args.writers} writers, "
                f"{args.readers} readers; SQLite journal mode: {journal}",
                flush=True,
            )

            def login_page(client):
                return CSRF.search(client.get(f"{base}/login").text).group(1)

            # 1. simultaneous sign-ins
            sign_ins = Tally()
            clients = [requests.Session() for _ in emails]
            for _ in range(args.rounds):
                for c in clients:
                    c.cookies.clear()
                tokens = [login_page(c) for c in clients]
                together(
                    [
                        lambda c=c, t=t, e=e: timed(
                            sign_ins,
                            c.post,
                            f"{base}/login",
                            allow_redirects=False,
                            data={"csrf_token": t, "email": e, "password": PASSWORD},
                        )
                        for c, t, e in zip(clients, tokens, emails)
                    ]
                )
            print(sign_ins.line("simultaneous correct sign-ins"), flush=True)

            # each writer signed in, with a service of their own (one at a time, tried until done)
            def until_done(attempt):
                for _ in range(20):
                    if attempt().status_code == 302:
                        return
                raise RuntimeError("could not set up the writers")

            service_ids = []
            for n, (c, email) in enumerate(zip(clients, emails)):
                c.cookies.clear()
                until_done(
                    lambda: c.post(
                        f"{base}/login",
                        allow_redirects=False,
                        data={"csrf_token": login_page(c), "email": email, "password": PASSWORD},
                    )
                )
                until_done(
                    lambda: c.post(
                        f"{base}/provider/services/new",
                        allow_redirects=False,
                        data={
                            **service_form(f"Bench Service {n}", "First."),
                            "csrf_token": CSRF.search(c.get(f"{base}/provider/services/new").text).group(1),
                        },
                    )
                )
                ids = re.findall(r"/provider/services/(\d+)/edit", c.get(f"{base}/provider/").text)
                service_ids.append(int(ids[0]))

            def open_form(client, tally, service_id):
                html = timed(tally, client.get, f"{base}/provider/services/{service_id}/edit").text
                version = VERSION.search(html)
                return CSRF.search(html).group(1), (version.group(1) or version.group(2))

            # 2. sustained edits, with readers
            edits, opens, reads = Tally(), Tally(), Tally()
            stop = time.monotonic() + args.seconds
            lost = Counter()

            def writer(n):
                client, service_id, k = clients[n], service_ids[n], 0
                while time.monotonic() < stop:
                    k += 1
                    token, version = open_form(client, opens, service_id)
                    r = timed(
                        edits,
                        client.post,
                        f"{base}/provider/services/{service_id}/edit",
                        allow_redirects=False,
                        data={
                            **service_form(f"Bench Service {n}", f"Edit {k}."),
                            "csrf_token": token,
                            "version": version,
                        },
                    )
                    if r.status_code != 302:
                        lost[r.status_code] += 1

            def reader():
                client = requests.Session()
                paths = ["/services", "/api/find?borough=E09000022&need=employment_education_training", "/health"]
                i = 0
                while time.monotonic() < stop:
                    timed(reads, client.get, base + paths[i % len(paths)])
                    i += 1

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(len(clients))]
            threads += [threading.Thread(target=reader) for _ in range(args.readers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(edits.line("provider edits (save), sustained"))
            print(opens.line("edit page opened, meanwhile"))
            print(reads.line("public reads, meanwhile"), flush=True)

            # 3. two saves of one service at once
            pair_saves, outcomes = Tally(), Counter()
            for round_ in range(args.rounds):
                first, second = requests.Session(), requests.Session()
                email, service_id = emails[round_ % len(emails)], service_ids[round_ % len(emails)]
                for c in (first, second):
                    until_done(
                        lambda: c.post(
                            f"{base}/login",
                            allow_redirects=False,
                            data={"csrf_token": login_page(c), "email": email, "password": PASSWORD},
                        )
                    )
                forms = [open_form(c, Tally(), service_id) for c in (first, second)]
                results = {}

                def save(i, c, form):
                    results[i] = timed(
                        pair_saves,
                        c.post,
                        f"{base}/provider/services/{service_id}/edit",
                        allow_redirects=False,
                        data={
                            **service_form(f"Bench Service {round_ % len(emails)}", f"Colleague {i} wrote this."),
                            "csrf_token": form[0],
                            "version": form[1],
                        },
                    )

                together([lambda i=i, c=c, f=f: save(i, c, f) for i, (c, f) in enumerate(zip((first, second), forms))])
                codes = sorted(r.status_code for r in results.values())
                loser = next((i for i, r in results.items() if r.status_code == 409), None)
                kept = loser is not None and f"Colleague {loser} wrote this." in results[loser].text
                outcomes[f"{codes} text kept={kept}" if loser is not None else str(codes)] += 1
            print(pair_saves.line("two saves of one service at once"))
            print(f"{'':<38} outcomes per pair: {dict(outcomes)}")
            failures = sign_ins.failures + edits.failures + opens.failures + reads.failures + pair_saves.failures
            if failures:
                print("errors seen:", dict(failures.most_common(5)))
            print(f"edits not saved: {dict(lost) or 'none'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
