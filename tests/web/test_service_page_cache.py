"""A service page is rendered once per data version and day and kept; what a visitor sees
is still the published record as it is now, read on today's date, with the Refer link only
for those who may refer."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from directory.catalogue import routes as catalogue_routes
from directory.models import Revision, Service
from tests.conftest import post_form, sign_in
from tests.web.test_published_version import _propose, _publish_new_service

DUE_TO_END = "no newer source says it continues"


def _page(client, slug: str) -> str:
    response = client.get(f"/services/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_approved_change_shows_at_once_on_a_kept_page(app, client, make_user, session):
    provider, commissioner, service = _publish_new_service(client, make_user, session, name="Kept Page Mentoring")
    visitor = app.test_client()
    assert "Mentoring for young adults leaving prison." in _page(visitor, service.slug)

    _propose(client, session, provider, service, "Now also for women leaving prison.")
    assert "Now also for women leaving prison." not in _page(visitor, service.slug)  # awaiting review

    sign_in(client, commissioner.email)
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id, Revision.state == "pending"))
    assert post_form(client, f"/review/{revision.id}", {"decision": "approve"}).status_code == 303
    for reader in (client, visitor):
        html = _page(reader, service.slug)
        assert "Now also for women leaving prison." in html
        assert "Mentoring for young adults leaving prison." not in html


def test_the_refer_link_follows_the_reader_not_the_kept_page(app, client, login_as, session):
    slug = session.scalar(select(Service.slug).where(Service.moderation == "published").order_by(Service.id))
    visitor = app.test_client()
    refer = f"/referrals/new?service={slug}"
    assert refer not in _page(visitor, slug)  # kept by an anonymous request
    login_as("officer")
    assert refer in _page(client, slug)
    assert refer not in _page(visitor, slug)  # and not left there for the next visitor


def test_a_page_kept_from_one_day_is_read_again_the_next(client, make_user, session, monkeypatch):
    today = date.today()
    _, _, service = _publish_new_service(
        client,
        make_user,
        session,
        name="Ending Soon Mentoring",
        ends_on=(today + timedelta(days=1)).isoformat(),
    )
    assert DUE_TO_END not in _page(client, service.slug)

    class Later(date):
        @classmethod
        def today(cls) -> date:
            return today + timedelta(days=3)

    monkeypatch.setattr(catalogue_routes, "date", Later)
    assert DUE_TO_END in _page(client, service.slug)  # same data version, a later day


def test_a_service_page_reads_what_the_records_hold(session):
    from directory.operations.catalogue import get_service, service_detail

    slugs = session.scalars(select(Service.slug).where(Service.moderation == "published")).all()
    assert len(slugs) > 20
    for slug in slugs:
        record, detail = get_service(session, slug), service_detail(session, slug)
        assert (detail.name, detail.status, detail.genders, detail.updated_at) == (
            record.name,
            record.status,
            record.genders,
            record.updated_at,
        )
        assert (detail.organisation.name if detail.organisation else None) == (
            record.organisation.name if record.organisation else None
        )
        for listed in ("commissioners", "boroughs", "categories", "cohorts"):
            assert [x.name for x in getattr(detail, listed)] == [x.name for x in getattr(record, listed)], listed
        assert [(s.name, s.address, s.postcode, s.borough.name if s.borough else None) for s in detail.sites] == [
            (s.name, s.address, s.postcode, s.borough.name if s.borough else None) for s in record.sites
        ]
        assert [(c.id, c.kind, c.quote, c.facts) for c in detail.citations] == [
            (c.id, c.kind, c.quote, c.facts) for c in record.citations
        ]


def test_a_kept_map_page_shows_a_published_service_at_once(app, client, make_user, session):
    visitor = app.test_client()

    def listed_on_sites_map() -> bool:
        response = visitor.get("/maps/sites?borough=E09000022")
        assert response.status_code == 200
        return ">Mapped Mentoring</a>" in response.get_data(as_text=True)

    assert not listed_on_sites_map()
    _publish_new_service(client, make_user, session, name="Mapped Mentoring")
    assert listed_on_sites_map()
