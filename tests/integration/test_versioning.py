"""The catalogue's data version moves with every change its readers would see."""

from __future__ import annotations

from sqlalchemy import insert, select

from directory.models import Borough, Category, Service, Site, User
from directory.operations.versioning import data_version


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
