"""The catalogue's data version moves with every change its readers would see."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import insert, select

from directory.models import Borough, Category, Service, Site, User
from directory.operations.versioning import VersionedCache, data_version


def service(session, slug="ace") -> Service:
    return session.scalar(select(Service).where(Service.slug == slug))


def test_changing_only_a_services_links_changes_the_version(session):
    before = data_version(session)
    record = service(session)
    record.categories.append(session.scalar(select(Category).where(Category.slug == "hate_crime")))
    session.commit()
    after_category = data_version(session)
    assert after_category != before
    record.boroughs = [session.scalar(select(Borough).where(Borough.code == "E09000008"))]
    session.commit()
    assert data_version(session) != after_category


def test_adding_and_deleting_a_site_changes_the_version(session):
    before = data_version(session)
    site = Site(name="Test site", service=service(session))
    session.add(site)
    session.commit()
    added = data_version(session)
    assert added != before
    session.delete(site)
    session.commit()
    assert data_version(session) != added


def test_reading_does_not_change_the_version(session):
    before = data_version(session)
    service(session).name  # noqa: B018
    assert data_version(session) == before


def test_a_bulk_insert_through_the_session_changes_the_version(session):
    before = data_version(session)
    session.execute(insert(Site), [{"name": "Bulk site", "service_id": service(session).id}])
    assert data_version(session) != before


def test_a_rolled_back_change_never_shares_a_version_with_a_later_one(session):
    with session.begin_nested() as savepoint:
        service(session).name = "Renamed, then rolled back"
        session.flush()
        inside = data_version(session)
        savepoint.rollback()
    service(session).summary = "A different change"
    session.flush()
    assert data_version(session) != inside


def test_account_bookkeeping_leaves_the_version_alone(session):
    before = data_version(session)
    session.add(User(email="someone@example.org", name="Someone", password_hash="x", role="provider"))
    session.flush()
    assert data_version(session) == before


def test_threads_asking_for_a_missing_value_at_once_compute_it_once():
    cache = VersionedCache(4)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.2)  # long enough for the other threads to arrive and wait
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_a_failed_computation_is_not_kept_and_the_next_caller_tries_again():
    cache = VersionedCache(4)

    def fail():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: 42) == 42


def test_a_snapshot_built_with_pending_changes_is_never_served_after_they_roll_back(session):
    from directory.operations import read_model

    record = service(session)
    original = record.name
    with session.begin_nested() as savepoint:
        record.name = "Renamed, not yet flushed"  # pending: reading the version flushes it
        inside = read_model.published(session)
        savepoint.rollback()
    assert any(s.name == "Renamed, not yet flushed" for s in inside.index.services)
    after = read_model.published(session)
    assert after is not inside
    assert [s.name for s in after.index.services if s.id == record.id] == [original]


def test_touch_moves_the_version_for_changes_made_outside_the_app(app, session):
    before = data_version(session)
    result = app.test_cli_runner().invoke(args=["data", "touch"])
    assert result.exit_code == 0, result.output
    assert "Data version is now" in result.output
    assert data_version(session) != before


def test_the_collector_is_paused_while_a_value_is_computed_and_restored_after():
    import gc

    cache = VersionedCache(4)
    seen = []
    assert gc.isenabled()
    cache.get_or_compute("a", lambda: seen.append(gc.isenabled()))
    with pytest.raises(RuntimeError):
        cache.get_or_compute("b", lambda: (_ for _ in ()).throw(RuntimeError("failed")))
    assert seen == [False] and gc.isenabled()
