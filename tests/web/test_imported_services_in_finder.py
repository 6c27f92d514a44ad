"""A new user meets HMPPS's services: the finder offers them, nearest probation office first."""

from pathlib import Path

from directory.operations.geocoding import Geocoder
from directory.operations.imports import import_hmpps

HMPPS = Path(__file__).resolve().parents[2] / "seed" / "hmpps"


def test_finder_offers_the_london_accommodation_service_to_a_man_on_probation(client, session, postcode_directory):
    import_hmpps(session, HMPPS, Geocoder(postcode_directory, session))
    answer = client.get("/api/find?postcode=SE13 6LH&need=accommodation&age=30&gender=male&cohort=probation").get_json()
    [service] = [r for r in answer["results"] if r["service"]["name"] == "Accommodation Services for London"]
    assert service["nearest_site"] == "Lewisham Probation Office"
    assert 0 < service["distance_km"] < 2
    page = client.get(f"/services/{service['service']['slug']}").get_data(as_text=True)
    assert "Published dataset record" in page and "record PRJ_6263" in page
    assert "HM Prison and Probation Service" in page
    assert "Reducing Reoffending Board note" not in page and "reported to the board" not in page.lower()
    assert "Probation Office, 208 Lewisham High Street, Lewisham, London, SE13 6JP (Lewisham)" in page
    # the women's services are not offered to him, with the reason
    excluded = {e["service"]["name"]: e for e in answer["excluded"]}
    assert "Women's Specific Services for London (S/SE)" in excluded


def test_an_upstream_change_to_a_confirmed_service_waits_on_the_review_page(
    client, session, postcode_directory, login_as
):
    from sqlalchemy import select

    from directory.imports import hmpps
    from directory.models import StagedRecord
    from directory.operations.imports import context_offices, import_batch

    geocoder = Geocoder(postcode_directory, session)
    import_hmpps(session, HMPPS, geocoder)
    staged = session.scalar(select(StagedRecord).where(StagedRecord.foreign_id == "PRJ_7671"))
    staged.service.last_confirmed_at = staged.service.updated_at
    session.commit()
    batch = hmpps.read_contracts(HMPPS)
    for record in batch.records:
        if record.foreign_id == "PRJ_7671":
            record.payload["eligibility"] = {**record.payload["eligibility"], "maximum_age": 64}
    offices = context_offices(hmpps.offices_batch(HMPPS / "probation-offices-v0.csv"))
    import_batch(session, batch, hmpps.map_record, geocoder, "flask import hmpps", offices=offices)

    login_as("commissioner")
    queue = client.get("/review").get_data(as_text=True)
    assert "Dependency and Recovery Services in London" in queue
    from directory.models import Revision

    revision = session.scalar(select(Revision).where(Revision.service_id == staged.service_id))
    change = client.get(f"/review/{revision.id}").get_data(as_text=True)
    assert "Maximum age" in change and "64" in change
    assert staged.service.max_age is None  # live record untouched until approved
