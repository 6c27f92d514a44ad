"""A new user meets HMPPS's services: the finder offers them, nearest probation office first."""

from pathlib import Path

from directory.operations.geocoding import Geocoder
from directory.operations.imports import import_hmpps

HMPPS = Path(__file__).resolve().parents[2] / "seed" / "hmpps"


def test_finder_offers_the_london_accommodation_service_to_a_man_on_probation(client, session, postcode_directory):
    import_hmpps(session, HMPPS, Geocoder(postcode_directory, session))
    answer = client.get(
        "/api/find?postcode=SE13 6LH&need=accommodation&age=30&gender=male&cohort=probation"
    ).get_json()
    [service] = [r for r in answer["results"] if r["service"]["name"] == "Accommodation Services for London"]
    assert service["nearest_site"] == "Lewisham Probation Office"
    assert 0 < service["distance_km"] < 2
    # the women's services are not offered to him, with the reason
    excluded = {e["service"]["name"]: e for e in answer["excluded"]}
    assert "Women's Specific Services for London (S/SE)" in excluded
