"""Matching benchmark (issue 5): GET /api/v1/matches at 100,000 patients and 10,000 mentors, on SQLite and
on PostgreSQL (when the local server of .ci/services.sh, or BENCH_PG_URL, answers), with the pool query's plan.

    .venv/bin/python bench/matching.py [--quick] [--no-write] [--only-sqlite]

Seeds a migrated database with SQLAlchemy Core bulk inserts (realistic condition mixes from the real
taxonomy), mints tokens for 50 seekers (35 with common conditions, 15 with rare ones), serves the app
with gunicorn on 127.0.0.1 and measures four request kinds (mentor, peer, each with and without
condition_id) rotating over the seekers: wrk at concurrency 1 and 4, plus one pass of a Python client at
concurrency 1 that checks every answer and splits latency by common/rare seeker. Then, in process, the
time per phase of find_matches and the EXPLAIN of the pool query. `--quick`: 20,000 patients, 2,000
mentors, 2 s per measurement.
"""
from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402
import seed as s  # noqa: E402

NAME = "matching"
P95_TARGET_MS = {1: 40.0, 4: 100.0}  # issue 15: p95 at concurrency 1 and 4, on each engine
SEEKERS_COMMON, SEEKERS_RARE = 35, 15
PG_DB = "peerless_bench_matching"
VARIANTS = ("mentor", "peer", "mentor+condition", "peer+condition")

# Relative weights of each condition among people's conditions (the rest of the taxonomy: DEFAULT_WEIGHT).
COMMON = {
    "type-2-diabetes": 12, "hypertension": 12, "depression": 12, "anxiety": 12, "asthma": 10,
    "osteoarthritis": 8, "copd": 5, "chronic-pain": 3, "obesity": 3, "hypothyroidism": 4,
    "irritable-bowel-syndrome": 3, "migraine": 3, "rheumatoid-arthritis": 3, "chronic-kidney-disease": 3,
    "atrial-fibrillation": 3, "coronary-heart-disease": 3, "heart-failure": 2, "type-1-diabetes": 2,
    "fibromyalgia": 2, "psoriasis": 2, "eczema": 2, "long-covid": 1.5, "prediabetes": 2,
}
RARE = {"huntingtons-disease", "motor-neurone-disease", "cystic-fibrosis", "addisons-disease", "cushings-syndrome",
        "pulmonary-hypertension", "myasthenia-gravis", "hypopituitarism", "primary-sclerosing-cholangitis",
        "thalassaemia", "haemophilia", "von-willebrand-disease", "systemic-sclerosis", "mody", "narcolepsy"}
DEFAULT_WEIGHT, RARE_WEIGHT = 0.4, 0.06
SEEKER_COMMON_SLUGS = ("type-2-diabetes", "asthma", "copd", "depression", "anxiety", "hypertension",
                       "osteoarthritis")
# Conditions people often have together: having the first, p chance of the second as well.
COMORBID = {"depression": ("anxiety", 0.4), "anxiety": ("depression", 0.3), "type-2-diabetes": ("hypertension", 0.35),
            "hypertension": ("type-2-diabetes", 0.15), "copd": ("anxiety", 0.2), "obesity": ("type-2-diabetes", 0.3),
            "osteoarthritis": ("chronic-pain", 0.2), "heart-failure": ("atrial-fibrillation", 0.3)}
TREATMENTS = {
    "type-2-diabetes": ["metformin", "insulin", "SGLT2 inhibitor", "low-carb diet", "GLP-1 injection"],
    "type-1-diabetes": ["insulin pump", "multiple daily injections", "CGM"],
    "asthma": ["preventer inhaler", "reliever inhaler", "biologic"],
    "copd": ["pulmonary rehab", "inhaler", "home oxygen"],
    "depression": ["sertraline", "talking therapy", "CBT", "mirtazapine"],
    "anxiety": ["CBT", "sertraline", "propranolol", "mindfulness"],
    "hypertension": ["amlodipine", "ramipril", "losartan", "lifestyle changes"],
    "osteoarthritis": ["physiotherapy", "painkillers", "joint replacement"],
    "rheumatoid-arthritis": ["methotrexate", "biologic", "steroids"],
    "hypothyroidism": ["levothyroxine"],
    "chronic-pain": ["pain management programme", "pregabalin", "physiotherapy"],
}
DEFAULT_TREATMENTS = ["medication", "physiotherapy", "self-management course"]
SUPPORT_SETS = [["chat", "mentoring"], ["chat"], ["mentoring"], ["chat", "mentoring", "group"], ["chat", "review"],
                ["mentoring", "review"], ["chat", "mentoring", "group", "review"]]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Issue 15's before/after, written into the section by every run (the figures above it are the run's own).
CHANGES = """### What issue 15 changed, before → after

- **Before** (revision `5660130`, tiered SQL pool on every request): at 100,000 patients, in process
  (Flask test client, 100 requests per engine, load average ~5 on the 2 shared cores): SQLite p50 234 ms,
  p95 602 ms, **124 ms CPU per request**; 27–29 SQL statements per request. py-spy/cProfile: the mentor
  tiers walked every holder of a common condition (~17,000 index entries, then the row for its
  visibility) to find the few hundred mentors; a peer region tier for a small region walked ~15,000 rows
  (one seeker's peer query alone: 85 ms); 10 lazy `roles` loads; the taxonomy read twice per request.
  Last wrk figures in this file before the change (2026-11-24, load ~2): p95 at concurrency 1 137 ms
  SQLite, 64 ms PostgreSQL; at concurrency 4 253 ms and 168 ms.
- **Change** (`services/matching/finder.py`, `pools.py`, migration 0014): mentors come from a shortlist of
  public (condition, mentor) pairs kept per process (~2,500 pairs; rebuilt after any write to
  `user_conditions` or a new mentor profile, stamped in process and in Redis) and are checked live in one
  query by primary key, so whatever makes a mentor ineligible counts at once; the taxonomy is kept per
  process; exclusions in one statement; an index on `user_conditions (condition_id, visibility)` lets a peer
  tier read only public holders (same rows taken); candidates' facts in two Core statements (id lists as
  one array on PostgreSQL); users and their roles in one. 10–11 statements per request. Same answers as the
  old finder at 100,000 patients on both engines (300 of 300 answers, 5,800 matches;
  `tests/services/test_matching_equivalence.py` on a seeded population).
- **After** (2026-12-02 17:00 UTC, revision `12139e8`, load average 2.5–3.7 on the 2 shared cores, wrk as
  above): p95 at concurrency 1 **53.5 ms SQLite, 106 ms PostgreSQL**; at concurrency 4 274 ms and 205 ms;
  app CPU ~41 and ~37 ms per request (PostgreSQL server ~20 ms more). In process on SQLite 40.5 ms per request
  (find_matches 32.6 ms: candidates' facts 10.5, mentor pool 6.6, peer tiers 4.4, scoring 2.6). The targets
  (40 ms at concurrency 1, 100 ms at 4) are **not met** on either engine. What is left is mostly Python:
  building and caching statements with long id lists, JSON columns of 150 candidates, scoring 150, and the
  rest of the request (token, resources, serialisation); next steps: statements built once with expanding
  parameters, one statement for the candidates' facts, fewer candidates scored per tier.
"""


# ---------------------------------------------------------------- seeding

def load_taxonomy(engine) -> dict:
    from sqlalchemy import text
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, slug, parent_id FROM conditions ORDER BY slug")).all()
    leaves = [(cid, slug) for cid, slug, parent in rows if parent is not None]
    slugs = [slug for _, slug in leaves]
    weights = [COMMON.get(slug, RARE_WEIGHT if slug in RARE else DEFAULT_WEIGHT) for slug in slugs]
    return {"by_slug": {slug: cid for cid, slug, _ in rows}, "slugs": slugs, "weights": weights,
            "cum": list(_accumulate(weights))}


def _accumulate(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def pick_conditions(rng: random.Random, tax: dict) -> list[str]:
    n = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
    chosen: list[str] = []
    while len(chosen) < n:
        slug = rng.choices(tax["slugs"], cum_weights=tax["cum"])[0]
        if slug not in chosen:
            chosen.append(slug)
        other = COMORBID.get(slug)
        if other and len(chosen) < 3 and other[0] not in chosen and rng.random() < other[1]:
            chosen.append(other[0])
    return chosen


def condition_rows(rng: random.Random, tax: dict, user_id: str, slugs: list[str], birth_year: int,
                   mentor: bool) -> list[dict]:
    rows = []
    for slug in slugs:
        earliest = max(birth_year + 1, 1970)
        latest = 2021 if mentor else 2026   # mentors are further along
        if earliest > latest:
            earliest = latest
        # Recent diagnoses are more common among patients; mentors spread further back.
        year = int(rng.triangular(earliest, latest, latest if not mentor else (earliest + latest) / 2))
        options = TREATMENTS.get(slug, DEFAULT_TREATMENTS)
        treatments = rng.sample(options, k=min(len(options), rng.choice((0, 1, 1, 2))))
        visibility = rng.choices(("matches", "public", "private"), weights=(75, 15, 10))[0]
        rows.append({"user_id": user_id, "condition_id": tax["by_slug"][slug], "diagnosed_year": year,
                     "treatments": treatments, "visibility": visibility})
    return rows


def seed_network(engine, patients: int, mentors: int, rng: random.Random) -> dict:
    """Users (patients, then mentors), roles, conditions and mentor profiles; returns the seekers."""
    from models import MentorProfile, User, UserCondition, UserRole

    tax = load_taxonomy(engine)
    created = s.now() - timedelta(days=30)
    users, roles, conds, profiles = [], [], [], []
    primary: dict[str, str] = {}
    patient_ids: list[str] = []
    for i in range(patients + mentors):
        is_mentor = i >= patients
        user_id = s.uid(rng)
        row = s.user_row(rng, user_id, i, "mentor" if is_mentor else "patient", created)
        users.append(row)
        roles.append(s.role_row(user_id, "patient", created))
        slugs = pick_conditions(rng, tax)
        conds += condition_rows(rng, tax, user_id, slugs, row["birth_year"], is_mentor)
        if is_mentor:
            roles.append(s.role_row(user_id, "mentor", created))
            rated = rng.random() < 0.6
            count = rng.randint(1, 25) if rated else 0
            profiles.append({
                "user_id": user_id, "accepting_mentees": rng.random() < 0.9, "capacity": 3,
                "active_mentees": rng.randint(0, 3), "support_types": rng.choice(SUPPORT_SETS),
                "availability": [{"day": d, "start": "18:00", "end": "20:00"}
                                 for d in rng.sample(DAYS, k=rng.choice((0, 1, 2, 3)))],
                "accredited_until": s.now() + timedelta(days=rng.randint(20, 365)),
                "expiry_notice_sent_at": None,
                "median_response_hours": round(rng.lognormvariate(2.3, 0.9), 1) if rng.random() < 0.7 else None,
                "rating_count": count, "rating_mean": round(rng.uniform(3.2, 5.0), 2) if count else None,
                "updated_at": created,
            })
        else:
            patient_ids.append(user_id)
            primary[user_id] = slugs[0]
    t0 = time.monotonic()
    with engine.begin() as conn:
        s.bulk_insert(conn, User.__table__, users)
        s.bulk_insert(conn, UserRole.__table__, roles)
        s.bulk_insert(conn, UserCondition.__table__, conds)
        s.bulk_insert(conn, MentorProfile.__table__, profiles)
    insert_seconds = time.monotonic() - t0

    # Seekers: 35 whose first condition is a common one, 15 with a rare one (when the sample has them).
    by_id = {u["id"]: u for u in users}
    common = [u for u in patient_ids if primary[u] in SEEKER_COMMON_SLUGS]
    rare = [u for u in patient_ids if primary[u] in RARE]
    seekers = rng.sample(common, SEEKERS_COMMON) + rng.sample(rare, min(SEEKERS_RARE, len(rare)))
    return {
        "seekers": [{"id": u, "condition_id": tax["by_slug"][primary[u]], "slug": primary[u],
                     "rare": primary[u] in RARE, "languages": by_id[u]["languages"]} for u in seekers],
        "counts": {"users": len(users), "user_conditions": len(conds), "user_roles": len(roles),
                   "mentor_profiles": len(profiles),
                   "in_pool_mentors": sum(1 for p in profiles if p["accepting_mentees"] and p["active_mentees"] < 3),
                   "private_share": sum(1 for c in conds if c["visibility"] == "private") / len(conds),
                   "multimorbid_share": 1 - len(users) / len(conds) if conds else 0.0},
        "insert_seconds": insert_seconds,
        "slug_share": {slug: sum(1 for c in conds if c["condition_id"] == tax["by_slug"][slug]) / len(users)
                       for slug in SEEKER_COMMON_SLUGS},
    }


def variant_path(variant: str, seeker: dict) -> str:
    kind = variant.split("+")[0]
    path = f"/api/v1/matches?kind={kind}"
    if variant.endswith("+condition"):
        path += f"&condition_id={seeker['condition_id']}"
    return path


# ---------------------------------------------------------------- measuring

def python_pass(server: h.Server, tokens: dict, seekers: list[dict]) -> dict:
    """Every (seeker, variant) once at concurrency 1 on a keep-alive connection: statuses, sizes, latency."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    lat: dict[tuple[str, str], list[float]] = defaultdict(list)
    sizes, bad = [], []
    try:
        for variant in VARIANTS:
            for seeker in seekers:
                path = variant_path(variant, seeker)
                t0 = time.perf_counter()
                conn.request("GET", path, headers={"Authorization": f"Bearer {tokens[seeker['id']]}"})
                response = conn.getresponse()
                body = response.read()
                lat[(variant, "rare" if seeker["rare"] else "common")].append((time.perf_counter() - t0) * 1000)
                if response.status != 200:
                    bad.append((path, response.status, body[:200]))
                else:
                    import json
                    sizes.append(len(json.loads(body)["items"]))
    finally:
        conn.close()
    return {"latency": lat, "sizes": sizes, "bad": bad}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def in_process(url: str, secret: str, tokens: dict, seekers: list[dict]) -> dict:
    """Time per phase of find_matches (wrapped in this process only), SQL per request, the pool query plan."""
    from sqlalchemy import event

    from api import create_app
    from api.config import TestConfig
    from models import User, db
    from services.matching import finder, pools, scoring

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, JWT_SECRET_KEY=secret, RATELIMIT_ENABLED=False)
    import logging
    logging.getLogger("peerless.request").disabled = True
    phases: dict[str, float] = defaultdict(float)
    originals = {}

    def wrap(module, name, label):
        original = getattr(module, name)
        originals[(module, name)] = original

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] += time.perf_counter() - t0
        setattr(module, name, timed)

    statements: list[str] = []
    pool_sql: dict[str, tuple[str, object]] = {}
    with app.app_context():
        engine = db.engine

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append(statement)
        # The pool query: peers' first tier (user_conditions by condition), mentors' live check of the shortlist.
        if statement.startswith(("SELECT DISTINCT user_conditions.user_id",
                                 "SELECT user_conditions.user_id, user_conditions.condition_id, users.region")) \
                and "capture" in phases_flag:
            pool_sql.setdefault(phases_flag["capture"], (statement, parameters))
    phases_flag: dict[str, str] = {}
    event.listen(engine, "before_cursor_execute", capture)
    for module, name, label in ((finder, "find_matches", "find_matches (total)"),
                                (finder, "_peer_pool", "_peer_pool (the tiered peer queries)"),
                                (finder, "_mentor_pool", "_mentor_pool (shortlist + one live query)"),
                                (pools, "_build_pairs", "pools._build_pairs (shortlist rebuilt)"),
                                (finder, "_excluded_ids", "_excluded_ids"),
                                (finder, "_load_candidates", "_load_candidates (pool facts)"),
                                (scoring, "score", "scoring.score (all candidates)")):
        wrap(module, name, label)
    import api.mentoring as api_mentoring
    api_mentoring.find_matches = finder.find_matches   # the view imported the name before the wrap
    client = app.test_client()
    try:
        requests_total = 0.0
        n = 0
        per_variant_statements = {}
        # Warm-up pass (untimed), then a timed pass over every seeker and variant.
        for timed in (False, True):
            if timed:
                phases.clear()
            for variant in VARIANTS:
                for seeker in (seekers[::4] if timed else seekers[:2]):
                    headers = {"Authorization": f"Bearer {tokens[seeker['id']]}"}
                    statements.clear()
                    t0 = time.perf_counter()
                    response = client.get(variant_path(variant, seeker), headers=headers)
                    elapsed = time.perf_counter() - t0
                    assert response.status_code == 200, response.get_data()[:300]
                    if timed:
                        requests_total += elapsed
                        n += 1
                        per_variant_statements.setdefault(variant, len(statements))
        measured_phases = dict(phases)   # the plan requests below must not count
        # The pool query's SQL for a common-condition seeker, mentor and peer kinds.
        seeker = next(x for x in seekers if not x["rare"])
        plans = {}
        for kind in ("mentor", "peer"):
            phases_flag["capture"] = kind
            client.get(f"/api/v1/matches?kind={kind}&condition_id={seeker['condition_id']}",
                       headers={"Authorization": f"Bearer {tokens[seeker['id']]}"})
            statement, params = pool_sql[kind]
            prefix = "EXPLAIN QUERY PLAN " if url.startswith("sqlite") else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(prefix + statement, params).all()
            if url.startswith("sqlite"):
                plan = "\n".join(f"{'  ' * _depth(r, rows)}{r[-1]}" for r in rows)
            else:
                plan = "\n".join(r[0] for r in rows)
            # Time the bare pool query alone (in process, 20 runs).
            with engine.connect() as conn:
                t0 = time.perf_counter()
                for _ in range(20):
                    conn.exec_driver_sql(statement, params).all()
                pool_ms = (time.perf_counter() - t0) * 1000 / 20
            plans[kind] = {"sql": statement, "params": params, "plan": plan, "pool_ms": pool_ms}
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        for (module, name), original in originals.items():
            setattr(module, name, original)
        api_mentoring.find_matches = originals[(finder, "find_matches")]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {"per_request_ms": requests_total * 1000 / n,
            "phases_ms": {k: v * 1000 / n for k, v in measured_phases.items()},
            "statements": per_variant_statements, "plans": plans, "n": n}


def _depth(row, rows) -> int:
    """Indentation of an EXPLAIN QUERY PLAN row (id, parent, notused, detail)."""
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth += 1
        parent = parents[parent]
    return depth


def measure_engine(label: str, url: str, pg_name: str | None, tmp: Path, *, patients: int, mentors: int,
                   duration: float, wrk: str, bare: h.Server) -> dict:
    print(f"\n--- {label}: migrate and seed {patients:,} patients + {mentors:,} mentors", flush=True)
    h.migrate(url, tmp / f"migrate-{label}.log")
    engine = s.engine_for(url)
    rng = random.Random(20261124)
    t0 = time.monotonic()
    seeded = seed_network(engine, patients, mentors, rng)
    if pg_name:
        s.analyze(engine)   # autovacuum would have analysed a live database; the seed is one big batch
    seed_seconds = time.monotonic() - t0
    print(f"seeded {seeded['counts']['users']:,} users, {seeded['counts']['user_conditions']:,} conditions "
          f"in {seed_seconds:.1f} s (inserts {seeded['insert_seconds']:.1f} s)", flush=True)
    env = h.app_env(url)
    secret = env["JWT_SECRET_KEY"]
    seekers = seeded["seekers"]
    tokens = s.mint_tokens(engine, secret, [x["id"] for x in seekers])
    engine.dispose()

    results: list[h.Result] = []
    pg = s.PgCpu(pg_name)
    server = h.Server(f"app-{label}", "wsgi:app", chdir=h.ROOT, env=env, log_path=tmp / f"app-{label}.log",
                      ready_path="/healthz")
    load_before = os.getloadavg()[0]
    with server:
        server.start()
        # Warm-up (not reported): every seeker and request kind through wrk for a moment.
        mixed = tmp / f"urls-{label}-all.txt"
        mixed.write_text("".join(f"{tokens[x['id']]} {variant_path(v, x)}\n" for v in VARIANTS for x in seekers))
        h.run_wrk(wrk, url=server.base_url, script="rotate.lua", args=[str(mixed)], concurrency=2,
                  duration=2, label="warm-up", server=server)
        checked = python_pass(server, tokens, seekers[::2])
        if checked["bad"]:
            raise RuntimeError(f"unexpected answers: {checked['bad'][:3]}")
        for variant in VARIANTS[:1]:   # one wrk run over all four kinds
            for c in (1, 4):
                # The baseline beside it, at the same concurrency: a bare Flask route served the same way.
                bare_result = h.run_wrk(wrk, url=bare.base_url + "/", script="get.lua", args=[], concurrency=c,
                                        duration=max(2.0, duration / 2), label="bare", server=bare)
                before_pg = pg.ticks()
                r = h.run_wrk(wrk, url=server.base_url, script="rotate.lua", args=[str(mixed)], concurrency=c,
                              duration=duration, label=f"{label}: GET /matches, all four kinds", server=server)
                r.baseline = bare_result
                r.pg_cpu_ms = s.PgCpu.ms(before_pg, pg.ticks())
                results.append(r)
                print(f"{r.label:<46} c={c} {r.requests:>6} req {r.rps:>6.0f}/s p50 {r.p50_ms:6.1f} "
                      f"p95 {r.p95_ms:6.1f} p99 {r.p99_ms:6.1f} ms; app CPU {r.cpu_ms_per_request:.1f} ms/req"
                      f"{f', PG CPU {r.pg_cpu_ms / r.requests:.1f} ms/req' if pg_name else ''}; "
                      f"unexpected {r.unexpected}", flush=True)
    load_after = os.getloadavg()[0]
    print("in-process phases and query plans...", flush=True)
    inproc = in_process(url, secret, tokens, seekers)
    return {"label": label, "results": results, "python": checked, "inproc": inproc, "seeded": seeded,
            "seed_seconds": seed_seconds, "seekers": seekers, "load": (load_before, load_after)}


# ---------------------------------------------------------------- report

def engine_section(m: dict) -> list[str]:
    label, results, py, ip = m["label"], m["results"], m["python"], m["inproc"]
    pg = label == "PostgreSQL"
    lines = [f"### {label}", "",
             f"Machine load (1-minute load average, 2 cores) {m['load'][0]:.1f} before and {m['load'][1]:.1f} after "
             "the HTTP measurements: other work shares the cores, so latencies carry queueing; CPU ms/req does not.",
             "",
             "| Requests (50 seekers × 4 kinds, rotating) | Conc. | Requests | Req/s | × bare req/s | p50 ms | p95 ms "
             "| p99 ms | App CPU ms/req | × bare CPU" + (" | PG CPU ms/req" if pg else "") + " | Unexpected |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|" + ("--:|" if pg else "") + "--:|"]
    for r in results:
        ratio = f"{r.ratio:.1%}".replace("%", " %") if r.ratio is not None else "–"
        cpu_ratio = h.fmt(r.cpu_ratio, 0) + "×" if r.cpu_ratio is not None else "–"
        lines.append(f"| {r.label.split(': ', 1)[1]} | {r.concurrency} | {r.requests:,} | {h.fmt(r.rps, 0)} | "
                     f"{ratio} | {h.fmt(r.p50_ms, 1)} | {h.fmt(r.p95_ms, 1)} | {h.fmt(r.p99_ms, 1)} | "
                     f"{h.fmt(r.cpu_ms_per_request, 1)} | {cpu_ratio} |"
                     + (f" {h.fmt(r.pg_cpu_ms / r.requests if r.requests else None, 1)} |" if pg else "")
                     + f" {r.unexpected} |")
    lines += ["", "Python client, concurrency 1, each of 25 seekers (every other one) × 4 kinds once, after the "
              "warm-up (includes ~1 ms of client overhead), by request kind and the seeker's condition:", "",
              "| Request | Seekers | p50 ms | p95 ms | max ms |", "|---|---|--:|--:|--:|"]
    for variant in VARIANTS:
        for group in ("common", "rare"):
            values = py["latency"].get((variant, group), [])
            if values:
                lines.append(f"| {variant} | {group} ({len(values)}) | {statistics.median(values):.1f} | "
                             f"{pct(values, 95):.1f} | {max(values):.1f} |")
    sizes = py["sizes"]
    lines += ["", f"Answers: {len(sizes)} checked, all 200; results per answer min {min(sizes)}, "
              f"median {statistics.median(sizes):g}, max {max(sizes)} (limit 10).", "",
              f"In process (Flask test client, {ip['n']} requests, no HTTP server): "
              f"{ip['per_request_ms']:.1f} ms per request on average; SQL statements per request: "
              + ", ".join(f"{v} {n}" for v, n in ip["statements"].items()) + ". Time per phase, ms per request:", "",
              "| Phase | ms/request |", "|---|--:|"]
    phases = ip["phases_ms"]
    for name, ms in sorted(phases.items(), key=lambda kv: -kv[1]):
        module = name.split(".")[0] if name.startswith(("scoring.", "pools.")) else "finder"
        lines.append(f"| `services/matching/{module}.py` "
                     f"{name} | {ms:.2f} |")
    total = phases.get("find_matches (total)", 0.0)
    lines.append(f"| rest of the request (token check, argument parsing, `User` rows + `roles` lazy loads for the "
                 f"10 results, JSON) | {ip['per_request_ms'] - total:.2f} |")
    for kind, plan in ip["plans"].items():
        lines += ["", f"Pool query plan, kind={kind}, a common condition "
                  f"({'EXPLAIN (ANALYZE, BUFFERS)' if pg else 'EXPLAIN QUERY PLAN'}; the bare query alone: "
                  f"{plan['pool_ms']:.1f} ms):", "", "```", plan["plan"], "```"]
    return lines


def run(quick: bool = False, only_sqlite: bool = False) -> h.Outcome:
    patients, mentors = (20_000, 2_000) if quick else (100_000, 10_000)
    duration = 3.0 if quick else 10.0
    wrk = h.ensure_wrk()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="peerless-bench-matching-"))
    measured = []
    pg_note = ""
    bare_env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}
    bare = h.Server("bare", "bare_app:app", chdir=h.BENCH_DIR, env=bare_env, log_path=tmp / "bare.log")
    try:
        with bare:
            bare.start()
            measured.append(measure_engine("SQLite", f"sqlite:///{tmp / 'matching.db'}", None, tmp,
                                           patients=patients, mentors=mentors, duration=duration, wrk=wrk, bare=bare))
            if only_sqlite:
                pg_note = "PostgreSQL not measured (--only-sqlite)."
            elif s.pg_available():
                with s.pg_database(PG_DB) as url:
                    measured.append(measure_engine("PostgreSQL", url, PG_DB, tmp, patients=patients,
                                                   mentors=mentors, duration=duration, wrk=wrk, bare=bare))
            else:
                pg_note = f"PostgreSQL not measured: no server at {s.PG_SERVER}."
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - started

    targets = []
    for m in measured:
        for c in (1, 4):
            worst = max((r for r in m["results"] if r.concurrency == c), key=lambda r: r.p95_ms)
            targets.append((f"{m['label']}: GET /matches p95 < {P95_TARGET_MS[c]:g} ms at concurrency {c}, all four "
                            f"request kinds mixed (wrk)",
                            worst.p95_ms < P95_TARGET_MS[c], f"{worst.p95_ms:.1f} ms"))
    unexpected = sum(r.unexpected for m in measured for r in m["results"])
    for text, met, value in targets:
        print(f"target: {text}: {value}")
        print(f"{'MET    ' if met else 'NOT MET'}  {text}")
    print(f"total {elapsed:.0f} s")

    first = measured[0]
    counts = first["seeded"]["counts"]
    shares = ", ".join(f"{slug} {share:.1%}" for slug, share in first["seeded"]["slug_share"].items())
    now = datetime.now(timezone.utc)
    rare = sorted({x["slug"] for x in first["seekers"] if x["rare"]})
    lines = [
        "## Matching (issues 5 and 15)", "",
        f"Run {now:%Y-%m-%d %H:%M} UTC, {'**quick mode**, ' if quick else ''}{duration:g} s per wrk measurement; "
        f"revision `{h.git_revision()}`; Python {platform.python_version()}; whole run {elapsed:.0f} s.", "",
        f"- Data: {patients:,} patients and {mentors:,} approved mentors ({counts['users']:,} users, "
        f"{counts['user_conditions']:,} `user_conditions`, {counts['user_roles']:,} `user_roles`), inserted with "
        "SQLAlchemy Core executemany into a freshly migrated database: "
        + ", ".join(f"{m['label']} in {m['seed_seconds']:.0f} s" for m in measured) + ". "
        "Conditions from the real taxonomy, 1–3 each (55/30/15 %) with comorbid pairs (depression+anxiety, "
        f"type 2 diabetes+hypertension…), skewed to common ones ({shares} of users); visibility 75 % matches, "
        f"15 % public, 10 % private; languages 85 % en, 4 % en+pa, en+pl, en+ur each, 3 % cy+en; regions GB-ENG/SCT/"
        "WLS/NIR; birth years 1940–2008. Mentors: accredited until 20–365 days ahead, 90 % accepting, capacity 3 "
        f"with 0–3 active mentees ({counts['in_pool_mentors']:,} of {counts['mentor_profiles']:,} open), 60 % rated, "
        "70 % with a median response time. PostgreSQL is `ANALYZE`d after seeding; SQLite is not (as shipped).",
        f"- Seekers: 50 patients, 35 whose first condition is common ({', '.join(SEEKER_COMMON_SLUGS)}) and 15 with "
        f"a rare one ({', '.join(rare)}); no blocks or connections. Four requests each: `?kind=mentor`, `?kind=peer`, "
        "and both with `&condition_id=` their first condition.",
        "- Served by `gunicorn -w 2 -k gthread --threads 4` on 127.0.0.1 (`PEERLESS_ENV=production`); wrk with "
        "`bench/wrk/rotate.lua` cycling through the 50 seekers' tokens and URLs. App CPU ms/req is the gunicorn "
        "processes' utime+stime per request; on PostgreSQL, PG CPU ms/req is that of the server backends serving "
        "the app's connections. “× bare” compares with the bare Flask route (`bench/bare_app.py`, same gunicorn "
        "settings) measured just before at the same concurrency.",
        "",
    ]
    for m in measured:
        lines += engine_section(m) + [""]
    if pg_note:
        lines += [pg_note, ""]
    lines += ["Targets (issue 15):", "",
              *(f"- {'**met**' if met else '**not met**'}: {text}: {value}." for text, met, value in targets), "",
              f"Checks: {unexpected} unexpected statuses or socket errors under wrk.", "", CHANGES.strip()]
    return h.Outcome(NAME, "\n".join(lines), [r for m in measured for r in m["results"]],
                     targets_met=all(met for _t, met, _v in targets) and unexpected == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 patients, 2 s per measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--only-sqlite", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    outcome = run(quick=args.quick, only_sqlite=args.only_sqlite)
    if args.no_write:
        print(outcome.section)
    else:
        h.update_doc({outcome.name: outcome.section})
        print(f"wrote the {outcome.name} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
