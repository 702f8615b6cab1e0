"""The phone explains the layout rules offline with web/src/shared/layout.js (`survey`); the server's record
uses api/licensing/services/onsite.py (`explain`, on zhifa/licensing/layout.py). One rule, two languages: both
run here on the same layout data (as the server serves it, through JSON) and points — random ones, points a
few centimetres either side of each rule's distance, and points on a site with rules of distance 0 (the one
distance both languages compute exactly, so `<` against `<=` is decided) — and must give the same outcomes in
the same words, and the same nearest places at the same distance (to a micrometre: node's and CPython's sin
and asin differ in the last bits, ~1e-9 m)."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

from api.licensing.services import onsite
from zhifa.licensing import layout
from zhifa.licensing.geo import EARTH_RADIUS_M
from zhifa.settings import PROJECT_ROOT

LAYOUT_JS = PROJECT_ROOT / "web" / "src" / "shared" / "layout.js"
CENTRE = (34.76, 113.62)
KINDS = ["retailer", *layout.PLACE_TYPES]


def _north(at: tuple[float, float], metres: float) -> tuple[float, float]:
    return at[0] + math.degrees(metres / EARTH_RADIUS_M), at[1]


def _world(rng: random.Random) -> tuple[list[layout.Rule], list[layout.Site]]:
    rules = [
        layout.Rule("retailer_min_distance", rng.choice([30.0, 50.0, 30.5, 75.25])),
        layout.Rule("retailer_max_count", rng.choice([100.0, 200.0]), max_count=rng.randint(1, 4)),
        *(
            layout.Rule("place_exclusion", rng.choice([50.0, 100.0]), place_type=t)
            for t in layout.PLACE_TYPES
        ),
        layout.Rule("place_exclusion", 80.0, place_type="unknown_type"),  # a name the phone must not invent
    ]
    sites = [
        layout.Site(
            rng.choice(KINDS),
            f"点{i}",
            CENTRE[0] + rng.uniform(-0.003, 0.003),
            CENTRE[1] + rng.uniform(-0.003, 0.003),
        )
        for i in range(rng.randint(0, 12))
    ]
    return rules, sites


def _points(
    rng: random.Random, rules: list[layout.Rule], sites: list[layout.Site]
) -> list[tuple[float, float]]:
    points = [
        (CENTRE[0] + rng.uniform(-0.004, 0.004), CENTRE[1] + rng.uniform(-0.004, 0.004)) for _ in range(8)
    ]
    for s in sites[:3]:  # either side of each rule's distance (a few cm), and on the site itself
        for r in rules:
            points += [_north((s.lat, s.lon), r.distance_m + d) for d in (-0.05, 0.05)]
        points.append((s.lat, s.lon))
    return points


def _at_zero(rules: list[layout.Rule]) -> list[layout.Rule]:
    return [layout.Rule(r.kind, 0.0, r.place_type, r.max_count and 1) for r in rules]


def _javascript(cases: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node (the web build's runtime) is needed to run the phone's layout code"
    (tmp / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    script = f"""
import {{ readFileSync }} from 'node:fs'
import {{ survey }} from {json.dumps(LAYOUT_JS.as_uri())}
const cases = JSON.parse(readFileSync({json.dumps(str(tmp / "cases.json"))}, 'utf8'))
process.stdout.write(JSON.stringify(cases.map((c) => survey(c.data, c.lat, c.lon))))
"""
    out = subprocess.run(
        [node, "--input-type=module", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(out.stdout))


def test_phone_and_server_explain_the_layout_rules_in_the_same_words(tmp_path: Path) -> None:
    rng = random.Random(23)
    cases: list[dict[str, Any]] = []
    expected: list[dict[str, Any]] = []
    on_site_kinds = set()

    def case(rules: list[layout.Rule], sites: list[layout.Site], lat: float, lon: float) -> None:
        data = json.loads(json.dumps(onsite.phone_data("410100", rules, sites)))
        cases.append({"data": data, "lat": lat, "lon": lon})
        expected.append(onsite.explain("410100", rules, sites, lat, lon))

    for _ in range(40):
        rules, sites = _world(rng)
        for lat, lon in _points(rng, rules, sites):
            case(rules, sites, lat, lon)
        for s in sites:  # standing on a site: its distance is exactly 0, as is each rule's
            case(_at_zero(rules), sites, s.lat, s.lon)
            on_site_kinds.add(s.kind)
    got = _javascript(cases, tmp_path)
    assert len(got) == len(expected) > 500
    mismatches = [
        (c["lat"], c["lon"], e, g)
        for c, e, g in zip(cases, expected, got, strict=True)
        if g["outcomes"] != e["outcomes"]
        or g["passed"] != e["passed"]
        or g["city_code"] != e["city_code"]
        or [(n["kind"], n["name"]) for n in g["nearest"]] != [(n["kind"], n["name"]) for n in e["nearest"]]
        or any(
            abs(n["distance_m"] - x["distance_m"]) > 1e-6
            for n, x in zip(g["nearest"], e["nearest"], strict=True)
        )
    ]
    assert mismatches == []
    # the edge points really straddle the rules: both outcomes occur for each kind; every kind stood on
    seen = {(o["kind"], o["passed"]) for e in expected for o in e["outcomes"]}
    assert seen == {(k, p) for k in layout.KINDS for p in (True, False)}
    assert on_site_kinds == set(KINDS)
