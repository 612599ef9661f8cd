"""Messaging load benchmark (issues 3, 9 and 15): one-to-one message sends (bodies of 20–800 characters)
at concurrency 1 and 8 (8 connections into 8 conversations, and 8 into one), sends into circles of 2, 10,
50 and 200 members, conversation lists, `/sync` (full snapshot and incremental) for a user with 200
conversations, and message pages, against the app served by gunicorn: on SQLite (the embedded default)
and, when they answer, on PostgreSQL with Redis. Every figure sits beside a bare Flask route served the
same way and measured in the same run at the same concurrency (and the raw insert rate of the same
database engine); the issue-15 targets are ratios of app CPU per request to the bare route's.

    .venv/bin/python bench/messaging.py [--quick] [--no-write] [--only-sqlite]

Prints tables and the targets, and rewrites the `messaging` section of docs/performance.md (not when a
check failed). Bounded: 127.0.0.1 only, every process stopped at the end, about 4 minutes per engine
(`--quick`: about 1.5).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402
import seed as s  # noqa: E402

NAME = "messaging"
LIST_PEERS = 200
PEER_MESSAGES = 5        # per conversation of the list user: the /sync snapshot carries real message history
SINCE_CHANGES = 5        # peers who write again after the list user's sync token
SEND_CONVERSATIONS = 8   # A's one-to-one conversations: one per wrk connection at concurrency 8
CIRCLE_SIZES = (2, 10, 50, 200)
API_MAX_CIRCLE = 50      # api/schemas/groups.py: max_members ≤ 50 through the API
READ_CONCURRENCY = (1, 8)
TARGET_CONCURRENCY = 8
PG_DB = "peerless_bench_messaging"
REDIS_DB = 11

# Targets: issue 15, as ratios to the bare route measured beside them (× bare CPU = app CPU per request
# divided by the bare route's, same concurrency, same run).
SEND_CPU_TARGET = 10.0
SEND_RATIO_TARGET = 0.08
SEND_P99_TARGET_MS = 25.0
MEMBER_CPU_TARGET = 1.0
QUIET_BARE_CPU_MS = "0.17–0.23"   # the bare route's CPU per request in the quiet issue-9 runs (2026-11-24)
# Kept from issue 9 as a check (not a target of issue 15).
RSS_LIMIT_MB = 200.0

BARE = "Bare Flask route (GET /)"
BARE_AFTER = "Bare Flask route (GET /), again after the block"
SEND = "Send, one-to-one"
SEND_EACH = "Send, one-to-one, a conversation per connection"
SEND_SAME = "Send, one-to-one, all connections into one conversation"
LIST = f"List conversations (GET /conversations, {LIST_PEERS} conv.)"
SNAPSHOT = f"Sync snapshot (GET /sync, {LIST_PEERS} conv.)"
SINCE = f"Sync since (GET /sync?since=, {SINCE_CHANGES} new messages + 1 read)"
PAGE = "Message page (GET …/messages?limit=50)"
READ_TARGETS = {LIST: ("GET /conversations", 5.0), SINCE: ("GET /sync?since= (a few changes)", 4.0),
                SNAPSHOT: ("GET /sync snapshot", 20.0), PAGE: ("message page (50)", 4.0)}


def circle_label(n: int) -> str:
    return f"Send into a circle of {n}"


# ---------------------------------------------------------------- message bodies

SENTENCES = [
    "Morning!", "Thanks, that helps.", "How did the appointment go?", "Same here, honestly.",
    "I'm around tonight if you want to talk.", "Good luck tomorrow 🤞", "Did you try the new dose yet?",
    "Finally slept more than five hours last night, which felt like a small miracle.",
    "My consultant wants to try a different combination before the next review.",
    "I walked to the end of the road and back today, slowly, but I did it.",
    "The pharmacy had run out again so I have to go back on Thursday.",
    "Some days are fine and some days I can't get off the sofa; today was a sofa day.",
    "Does anyone else find the fatigue worse in the afternoon than first thing?",
    "I wrote down the questions you suggested and the nurse went through every one of them.",
    "My daughter came round and we did the shopping together, which made it much easier.",
    "It's been a rough week with the flare, but the heat pad and resting seem to be helping a bit.",
    "I keep a little diary now: what I ate, how I slept, how bad the pain was from one to ten.",
    "The physio gave me three exercises to do twice a day and I'm managing them most days.",
    "Work have agreed to let me start at ten on clinic days, so that's one less thing to worry about.",
    "Café on the corner does a decent decaf now, if you fancy meeting there after your appointment.",
    "I was nervous about the group at first but everyone was kind and nobody made me talk until I wanted to.",
    "Thank you for listening yesterday — it really helped to say it out loud to someone who gets it.",
    "The blood test results came back mostly normal, apart from the iron, so I'm on tablets for that now.",
    "We're trying to plan a short trip in the spring, somewhere flat with benches and a café every mile.",
    "I read that pacing article you shared and I think I've been doing boom and bust for years without noticing.",
    "My GP was brilliant this time: she actually listened, printed out the leaflet and booked a follow-up.",
    "Getting used to the new routine with the injections; the first one was the worst, now it's just Tuesday.",
    "If it helps, what worked for me was breaking the day into small pieces and resting before I needed to.",
]
BODY_COUNT = 60
BODY_MIN, BODY_MAX = 20, 800


def message_bodies(seed_value: int = 15) -> list[str]:
    """A fixed list of realistic message bodies of 20–800 characters: lengths spread log-uniformly (many
    short messages, a few long ones), sentences drawn from SENTENCES, shuffled once."""
    rng = random.Random(seed_value)
    bodies = []
    for _ in range(BODY_COUNT):
        target = int(round(BODY_MIN * (BODY_MAX / BODY_MIN) ** rng.random()))
        text = ""
        while True:   # sentences that still fit, until none does
            room = target - len(text) - (1 if text else 0)
            fitting = [sentence for sentence in SENTENCES if len(sentence) <= room]
            if not fitting:
                break
            text = f"{text} {rng.choice(fitting)}" if text else rng.choice(fitting)
        while len(text) < BODY_MIN:
            text = f"{text} {rng.choice(SENTENCES)}".strip()
        bodies.append(text[:BODY_MAX])
    rng.shuffle(bodies)
    return bodies


# ---------------------------------------------------------------- seeding through the API

def register(client: h.Client, label: str) -> dict:
    suffix = uuid.uuid4().hex[:12]
    out = client.call("POST", "/api/v1/auth/register", {
        "email": f"bench-{label}-{suffix}@example.com", "password": f"bench-pass-{suffix}-Zq8!",
        "display_name": f"Bench {label}", "birth_year": 1985, "accept_terms": True, "consent_health_data": True,
    })
    return {"id": out["user"]["id"], "token": out["access_token"]}


def connect(client: h.Client, a: dict, b: dict) -> str:
    """A asks B, B accepts: the id of their direct conversation."""
    request = client.call("POST", "/api/v1/connections", {"user_id": b["id"]}, token=a["token"])
    accepted = client.call("POST", f"/api/v1/connections/{request['id']}/accept", token=b["token"])
    return accepted["conversation_id"]


def send(client: h.Client, user: dict, conversation_id: str, text: str) -> dict:
    return client.call("POST", f"/api/v1/conversations/{conversation_id}/messages",
                       {"client_msg_id": f"seed-{uuid.uuid4().hex}", "body": text}, token=user["token"],
                       expect=(201,))


def grant_moderator(database_url: str, user_id: str) -> None:
    """Only mentors and staff open circles, and no API makes someone either: one user_roles row, written
    straight into the database (as bench/fault_load.py does)."""
    from models import UserRole
    engine = s.engine_for(database_url)
    try:
        with engine.begin() as conn:
            s.bulk_insert(conn, UserRole.__table__, [s.role_row(user_id, "moderator", s.now())])
    finally:
        engine.dispose()


def raise_circle_limit(database_url: str, group_id: str, max_members: int) -> None:
    """The API caps a circle at API_MAX_CIRCLE members: the 200-member circle gets its limit raised in the
    database right after it is created (everything else about it goes through the API)."""
    from sqlalchemy import update

    from models import Group
    engine = s.engine_for(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(Group.__table__).where(Group.__table__.c.id == group_id)
                         .values(max_members=max_members))
    finally:
        engine.dispose()


def seed_circles(client: h.Client, database_url: str, sender: dict, pool: list[dict]) -> dict[int, str]:
    """A host (moderator) opens a public circle of each size in CIRCLE_SIZES; the sender and the first
    size - 2 people of `pool` join it through the API. Returns size -> the circle's conversation id."""
    host = register(client, "circle-host")
    grant_moderator(database_url, host["id"])
    out = {}
    with ThreadPoolExecutor(max_workers=8) as threads:
        for size in CIRCLE_SIZES:
            group = client.call("POST", "/api/v1/groups", {
                "name": f"Bench circle of {size}", "description": "benchmark circle", "visibility": "public",
                "max_members": min(size, API_MAX_CIRCLE)}, token=host["token"])
            if size > API_MAX_CIRCLE:
                raise_circle_limit(database_url, group["id"], size)
            joined = client.call("POST", f"/api/v1/groups/{group['id']}/join", token=sender["token"])
            list(threads.map(lambda p: client.call("POST", f"/api/v1/groups/{group['id']}/join", token=p["token"]),
                             pool[:size - 2]))
            seen = client.call("GET", f"/api/v1/groups/{group['id']}", token=sender["token"])
            assert seen["member_count"] == size, f"circle of {size} has {seen['member_count']} members"
            send(client, sender, joined["conversation_id"], "hello circle, from the seed")
            out[size] = joined["conversation_id"]
    return out


def seed(client: h.Client, database_url: str) -> dict:
    """A connected to B and to SEND_CONVERSATIONS - 1 more people (one-to-one sends, message pages); L with
    LIST_PEERS conversations of PEER_MESSAGES messages; circles of CIRCLE_SIZES members (L's peers, A and a
    host); a sync token taken after all that, then SINCE_CHANGES new messages and one read position moved."""
    a, b, lister = (register(client, name) for name in ("a", "b", "list"))
    pair_conversation = connect(client, a, b)
    send(client, a, pair_conversation, "hello from the seed")
    conversations = [pair_conversation]
    for i in range(SEND_CONVERSATIONS - 1):
        conversation = connect(client, a, register(client, f"pal{i}"))
        send(client, a, conversation, "hello from the seed")
        conversations.append(conversation)

    def peer(i: int) -> tuple[dict, str]:
        p = register(client, f"peer{i}")
        conversation_id = connect(client, p, lister)
        for n in range(PEER_MESSAGES):
            send(client, p, conversation_id, f"message {n} from peer {i}: how are you getting on this week?")
        return p, conversation_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        peers = list(pool.map(peer, range(LIST_PEERS)))
    listed = client.call("GET", "/api/v1/conversations?limit=100", token=lister["token"])
    assert len(listed["items"]) == 100 and listed["next_cursor"], "the list user should have 200 conversations"
    t0 = time.monotonic()
    circles = seed_circles(client, database_url, a, [p for p, _c in peers])
    circle_seconds = time.monotonic() - t0
    since = client.call("GET", "/api/v1/sync", token=lister["token"])["next_since"]
    for p, conversation_id in peers[:SINCE_CHANGES]:
        send(client, p, conversation_id, "one more thing after your last sync")
    client.call("POST", f"/api/v1/conversations/{peers[0][1]}/read", {"seq": PEER_MESSAGES + 1},
                token=lister["token"], expect=(204,))
    return {"a": a, "b": b, "lister": lister, "conversation": pair_conversation, "conversations": conversations,
            "circles": circles, "circle_seconds": circle_seconds, "since": since}


def check_sync(client: h.Client, lister: dict, since: str) -> dict:
    """The answers wrk will hammer are the right ones: a full snapshot, and exactly the few new changes."""
    snapshot = client.call("GET", "/api/v1/sync", token=lister["token"])
    changes = client.call("GET", f"/api/v1/sync?since={since}", token=lister["token"])
    got = (len(snapshot["conversations"]), len(snapshot["messages"]), len(changes["messages"]),
           len(changes["conversations"]))
    want = (50, 50 * (PEER_MESSAGES + 0), SINCE_CHANGES, SINCE_CHANGES)
    ok = got[0] == want[0] and got[1] >= want[1] and got[2:] == want[2:]
    text = (f"the snapshot holds {got[0]} conversations, {got[1]} messages, {len(snapshot['connections'])} "
            f"connections and {len(snapshot['notifications'])} notifications; the incremental answer "
            f"{got[2]} messages in {got[3]} conversations{'' if ok else ' (UNEXPECTED)'}")
    return {"ok": ok, "text": text}


def walk(client: h.Client, user: dict, conversation_id: str) -> tuple[int, bool, bool]:
    """Read a whole conversation oldest first: (messages, seqs exactly 1..N, client_msg_ids unique)."""
    seqs, ids, after = [], set(), 0
    while True:
        page = client.call("GET", f"/api/v1/conversations/{conversation_id}/messages?after_seq={after}&limit=100",
                           token=user["token"])
        items = page["items"]
        if not items:
            break
        seqs += [m["seq"] for m in items]
        ids.update(m["client_msg_id"] for m in items)
        after = items[-1]["seq"]
    return len(seqs), seqs == list(range(1, len(seqs) + 1)), len(ids) == len(seqs)


def check_conversations(client: h.Client, user: dict, what: str, conversation_ids: list[str], created: int,
                        in_flight: int) -> dict:
    """Every conversation gap-free (seqs 1..N) with unique client_msg_ids, and all of them together holding
    between the sends answered 201 and that plus the requests wrk left in flight."""
    walked = [walk(client, user, c) for c in conversation_ids]
    n = sum(w[0] for w in walked)
    gap_free, unique = all(w[1] for w in walked), all(w[2] for w in walked)
    bounded = created <= n <= created + in_flight
    ok = gap_free and unique and bounded
    text = (f"{what} hold{'s' if len(conversation_ids) == 1 else ''} {n:,} messages with seqs "
            f"{'exactly 1..N' if gap_free else 'NOT 1..N'} and {'unique' if unique else 'REPEATED'} "
            f"client_msg_ids; {created:,} sends were answered 201 (seed included) and at most {in_flight} more "
            f"were in flight when wrk stopped{'' if bounded else ' (MISMATCH: messages lost or duplicated)'}")
    return {"ok": ok, "text": text}


# ---------------------------------------------------------------- baselines and memory

def raw_insert_rate(database_url: str, seconds: float) -> dict:
    """The engine's own baseline: one client inserting one message-sized row per transaction through the
    bare driver (sqlite3 with the app's pragmas; psycopg), as fast as it goes."""
    row = "INSERT INTO bench_raw_inserts (id, conversation_id, body, created_at) VALUES ({p}, {p}, {p}, {p})"
    create = ("CREATE TABLE bench_raw_inserts (id VARCHAR(36) PRIMARY KEY, conversation_id VARCHAR(36), "
              "body TEXT, created_at VARCHAR(40))")
    conversation, body = str(uuid.uuid4()), "Benchmark message 1 from wrk thread 1"
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(create)

        def insert_one():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(row.format(p="?"), (str(uuid.uuid4()), conversation, body, s.now().isoformat()))
            conn.execute("COMMIT")
    else:
        import psycopg
        conn = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
        conn.execute(create)
        conn.commit()

        def insert_one():
            conn.execute(row.format(p="%s"), (str(uuid.uuid4()), conversation, body, s.now().isoformat()))
            conn.commit()
    try:
        n, t0 = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            for _ in range(50):
                insert_one()
            n += 50
        conn.execute("DROP TABLE bench_raw_inserts")
        if not database_url.startswith("sqlite"):
            conn.commit()
    finally:
        conn.close()
    return {"inserts": n, "seconds": elapsed, "rate": n / elapsed}


def rss_mb(server: h.Server) -> dict[str, float]:
    """Resident memory of the gunicorn master and each worker, in MB (VmRSS)."""
    out = {}
    master = server.proc.pid if server.proc else None
    for pid in server.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        out[f"{'master' if pid == master else 'worker'} {pid}"] = kb / 1024
    return out


# ---------------------------------------------------------------- one engine

def measure_engine(engine: dict, tmp: Path, wrk: str, duration: float, warmup: float) -> dict:
    label, database_url, key = engine["label"], engine["url"], engine["key"]
    print(f"\n--- {label}", flush=True)
    h.migrate(database_url, tmp / f"migrate-{key}.log")
    extra = {"REDIS_URL": engine["redis"]} if engine.get("redis") else {}
    app = h.Server(f"app-{key}", "wsgi:app", chdir=h.ROOT, env=h.app_env(database_url, **extra),
                   log_path=tmp / f"app-{key}.log", ready_path="/healthz")
    bare_env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}
    bare = h.Server("bare", "bare_app:app", chdir=h.BENCH_DIR, env=bare_env, log_path=tmp / "bare.log")
    pg = s.PgCpu(engine.get("pg_name"))
    with app, bare:
        app.start()
        bare.start()
        print(f"app on {app.base_url}, bare route on {bare.base_url}; seeding...", flush=True)
        t0 = time.monotonic()
        client = h.Client(app.base_url)
        data = seed(client, database_url)
        seed_seconds = time.monotonic() - t0
        sync_check = check_sync(client, data["lister"], data["since"])
        print(f"seeded in {seed_seconds:.1f} s (the circles {data['circle_seconds']:.1f} s); {sync_check['text']}",
              flush=True)

        a, lister, conversation = data["a"], data["lister"], data["conversation"]
        bodies = tmp / "bodies.txt"
        bodies.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in message_bodies()))
        paths = {}
        for name, ids in [("one", [conversation]), ("each", data["conversations"]),
                          *((f"circle{n}", [c]) for n, c in data["circles"].items())]:
            paths[name] = tmp / f"paths-{name}-{key}.txt"
            paths[name].write_text("".join(f"/api/v1/conversations/{c}/messages\n" for c in ids))
        page_url = f"{app.base_url}/api/v1/conversations/{conversation}/messages?limit=50"
        urls = {
            LIST: f"{app.base_url}/api/v1/conversations",
            SNAPSHOT: f"{app.base_url}/api/v1/sync",
            SINCE: f"{app.base_url}/api/v1/sync?since={data['since']}",
            PAGE: page_url,
        }
        reader = {LIST: lister, SNAPSHOT: lister, SINCE: lister, PAGE: a}
        bare_url = bare.base_url + "/"
        sent: dict[str, list[h.Result]] = {}   # paths-file name -> every send run into it, warm-ups included

        def measure(label_, server, url, script, args, concurrency, expected=200, seconds=duration):
            """wrk with one thread per connection (a script can then give each connection its own path)."""
            before = pg.ticks() if server is app else {}
            result = h.run_wrk(wrk, url=url, script=script, args=args, concurrency=concurrency,
                               duration=seconds, label=label_, server=server, expected_status=expected,
                               threads=concurrency)
            result.db_cpu_ms = s.PgCpu.ms(before, pg.ticks()) if server is app and pg.dbname else None
            return result

        def send_run(label_, shape, concurrency, seconds=duration):
            result = measure(label_, app, app.base_url, "send_mixed.lua", [a["token"], str(paths[shape]), str(bodies)],
                             concurrency, 201, seconds)
            sent.setdefault(shape, []).append(result)
            return result

        def read_run(name, concurrency, seconds=duration):
            return measure(name, app, urls[name], "get.lua", [reader[name]["token"]], concurrency, seconds=seconds)

        # Warm-up (not reported): imports, caches, connection pools and pages settle first.
        warm = [measure("warm bare", bare, bare_url, "get.lua", [], TARGET_CONCURRENCY, seconds=warmup),
                send_run("warm send", "each", TARGET_CONCURRENCY, warmup),
                send_run("warm circle send", f"circle{CIRCLE_SIZES[-1]}", 1, warmup)]
        warm += [read_run(name, TARGET_CONCURRENCY, warmup) for name in urls]

        raw = raw_insert_rate(database_url, max(2.0, duration / 2))
        print(f"raw {label} inserts, one per transaction: {raw['rate']:,.0f}/s", flush=True)

        results: list[h.Result] = []

        def keep(r: h.Result, baseline: h.Result | None) -> None:
            r.baseline = baseline
            results.append(r)
            print_rows([r])

        def bracketed(concurrency: int, block) -> None:
            """The bare route before and after a block of app measurements at one concurrency; the block's
            ratios are to both bare runs pooled (their requests, seconds and CPU added up), so a machine
            whose load drifts during the block moves the baseline with it."""
            before = measure(BARE, bare, bare_url, "get.lua", [], concurrency)
            keep(before, None)
            start = len(results)
            block(before)
            after = measure(BARE_AFTER, bare, bare_url, "get.lua", [], concurrency)
            keep(after, None)
            pooled = pool(before, after)
            for r in results[start:-1]:
                r.baseline = pooled

        def block1(bare1):
            keep(send_run(SEND, "one", 1), bare1)
            for n in CIRCLE_SIZES:   # the big circles send slowly: twice as long, for enough sends to average
                keep(send_run(circle_label(n), f"circle{n}", 1, duration * (2 if n >= 50 else 1)), bare1)
            for name in urls:
                keep(read_run(name, 1), bare1)

        def block8(bare8):
            keep(send_run(SEND_EACH, "each", TARGET_CONCURRENCY), bare8)
            keep(send_run(SEND_SAME, "one", TARGET_CONCURRENCY), bare8)
            for name in urls:
                keep(read_run(name, TARGET_CONCURRENCY), bare8)

        print_rows([])
        bracketed(1, block1)
        bracketed(TARGET_CONCURRENCY, block8)
        rss = rss_mb(app)
        print("resident memory after the load: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()), flush=True)

        # Integrity: walk every conversation written to. wrk stops with requests in flight (their messages
        # exist but their 201s were never counted), so up to one message per connection may exceed the 201
        # count; none may be missing, and seqs must be exactly 1..N with no repeat.
        def check(what, shapes, ids, seeded):
            runs = [r for shape in shapes for r in sent.get(shape, [])]
            created = seeded + sum(r.statuses.get("201", 0) for r in runs)
            return check_conversations(client, a, what, ids, created, sum(r.concurrency for r in runs))

        integrity = [check(f"after the load, A's {len(data['conversations'])} one-to-one conversations",
                           ["one", "each"], data["conversations"], len(data["conversations"]))]
        integrity += [check(f"the circle of {n}", [f"circle{n}"], [c], 1) for n, c in data["circles"].items()]
    return {"engine": engine, "results": results, "raw": raw, "rss": rss, "integrity": integrity,
            "sync_check": sync_check, "seed_seconds": seed_seconds, "circle_seconds": data["circle_seconds"],
            "unexpected": sum(r.unexpected for r in [*warm, *results])}


def pool(a: h.Result, b: h.Result) -> h.Result:
    """Two runs of the same thing as one: requests, seconds and CPU added up (latencies: the worse)."""
    seconds = a.duration_s + b.duration_s
    requests = a.requests + b.requests
    statuses = {k: a.statuses.get(k, 0) + b.statuses.get(k, 0) for k in {*a.statuses, *b.statuses}}
    return h.Result(label=f"{a.label} (pooled)", concurrency=a.concurrency, requests=requests, duration_s=seconds,
                    rps=requests / seconds if seconds else 0.0, p50_ms=max(a.p50_ms, b.p50_ms),
                    p90_ms=max(a.p90_ms, b.p90_ms), p95_ms=max(a.p95_ms, b.p95_ms), p99_ms=max(a.p99_ms, b.p99_ms),
                    max_ms=max(a.max_ms, b.max_ms), statuses=statuses, expected_status=a.expected_status,
                    socket_errors=a.socket_errors + b.socket_errors, cpu_ms=a.cpu_ms + b.cpu_ms)


def at(m: dict, name: str, c: int) -> h.Result:
    return next(r for r in m["results"] if r.label == name and r.concurrency == c)


def member_slopes(m: dict) -> list[tuple[int, int, float, float | None]]:
    """(from size, to size, app CPU ms per extra member, the same in × bare CPU) between successive sizes."""
    out = []
    for lo, hi in zip(CIRCLE_SIZES, CIRCLE_SIZES[1:]):
        r_lo, r_hi = at(m, circle_label(lo), 1), at(m, circle_label(hi), 1)
        ms = (r_hi.cpu_ms_per_request - r_lo.cpu_ms_per_request) / (hi - lo)
        bare_ms = r_hi.baseline.cpu_ms_per_request if r_hi.baseline else None
        out.append((lo, hi, ms, ms / bare_ms if bare_ms else None))
    return out


def targets_for(m: dict) -> list[tuple[str, bool, str]]:
    label = m["engine"]["label"]
    c = TARGET_CONCURRENCY
    send1, each, same = at(m, SEND, 1), at(m, SEND_EACH, c), at(m, SEND_SAME, c)
    out = [
        (f"{label}: send, one-to-one, ≤ {SEND_CPU_TARGET:g}× bare CPU at concurrency 1",
         send1.cpu_ratio is not None and send1.cpu_ratio <= SEND_CPU_TARGET,
         f"{send1.cpu_ratio:.1f}× ({send1.cpu_ms_per_request:.2f} ms against {send1.baseline.cpu_ms_per_request:.3f})"),
        (f"{label}: send, one-to-one, ≤ {SEND_CPU_TARGET:g}× bare CPU at concurrency {c}, a conversation per "
         "connection", each.cpu_ratio is not None and each.cpu_ratio <= SEND_CPU_TARGET,
         f"{each.cpu_ratio:.1f}× ({each.cpu_ms_per_request:.2f} ms against {each.baseline.cpu_ms_per_request:.3f})"),
        (f"{label}: send ≥ {SEND_RATIO_TARGET:.0%} of the bare route's throughput at concurrency {c}, a "
         "conversation per connection", each.ratio is not None and each.ratio >= SEND_RATIO_TARGET,
         f"{each.ratio:.1%} ({each.rps:,.0f} against {each.baseline.rps:,.0f} req/s; all into one conversation: "
         f"{same.ratio:.1%}, no target)"),
        (f"{label}: send p99 < {SEND_P99_TARGET_MS:g} ms at concurrency {c}, a conversation per connection",
         each.p99_ms < SEND_P99_TARGET_MS,
         f"{each.p99_ms:.1f} ms (all into one conversation: {same.p99_ms:.1f} ms, no target)"),
    ]
    for lo, hi, ms, ratio in member_slopes(m):
        out.append((f"{label}: circle send, each extra member ≤ {MEMBER_CPU_TARGET:g}× bare CPU, {lo} → {hi} "
                    "members", ratio is not None and ratio <= MEMBER_CPU_TARGET,
                    f"{ratio:.2f}× ({ms:.3f} ms a member)"))
    for name, (short, target) in READ_TARGETS.items():
        for conc in READ_CONCURRENCY:
            r = at(m, name, conc)
            out.append((f"{label}: {short} ≤ {target:g}× bare CPU at concurrency {conc}",
                        r.cpu_ratio is not None and r.cpu_ratio <= target,
                        f"{r.cpu_ratio:.1f}× ({r.cpu_ms_per_request:.2f} ms)"))
    return out


def checks_for(m: dict) -> list[tuple[str, bool]]:
    worst = max(v for k, v in m["rss"].items() if k.startswith("worker"))
    return [
        (f"{m['engine']['label']}: unexpected statuses / socket errors: {m['unexpected']}", m["unexpected"] == 0),
        (f"{m['engine']['label']}: {m['sync_check']['text']}", m["sync_check"]["ok"]),
        *((f"{m['engine']['label']}: {i['text']}", i["ok"]) for i in m["integrity"]),
        (f"{m['engine']['label']}: each API process < {RSS_LIMIT_MB:g} MB resident after the load (issue 9): "
         f"largest {worst:.0f} MB", worst < RSS_LIMIT_MB),
    ]


# ---------------------------------------------------------------- report

def print_rows(results: list[h.Result]) -> None:
    if not results:
        print(f"{'benchmark':<58} {'c':>2} {'req':>6} {'req/s':>6} {'×bare':>6} {'p50':>7} {'p99':>7} "
              f"{'cpu/req':>7} {'×cpu':>6} {'+PG':>5} {'bad':>4}", flush=True)
    for r in results:
        ratio = f"{r.ratio * 100:.1f}%" if r.ratio is not None else "-"
        cpu_ratio = f"{r.cpu_ratio:.1f}" if r.cpu_ratio is not None else "-"
        db = f"{r.db_cpu_ms / r.requests:.2f}" if getattr(r, "db_cpu_ms", None) is not None and r.requests else "-"
        print(f"{r.label[:58]:<58} {r.concurrency:>2} {r.requests:>6} {r.rps:>6.0f} {ratio:>6} {r.p50_ms:>7.2f} "
              f"{r.p99_ms:>7.2f} {r.cpu_ms_per_request:>7.3f} {cpu_ratio:>6} {db:>5} {r.unexpected:>4}", flush=True)


def order_key(r: h.Result) -> tuple:
    order = [BARE, BARE_AFTER, SEND, SEND_EACH, SEND_SAME, *map(circle_label, CIRCLE_SIZES), LIST, SNAPSHOT, SINCE, PAGE]
    return (r.concurrency, order.index(r.label))


def engine_table(m: dict) -> list[str]:
    pg = bool(m["engine"].get("pg_name"))
    head = ("| Benchmark | Conc. | Requests | Req/s | × bare req/s | p50 ms | p95 ms | p99 ms | App CPU ms/req "
            "| × bare CPU |" + (" PG CPU ms/req |" if pg else "") + " Non-2xx |")
    rule = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|" + ("--:|" if pg else "") + "--:|"
    lines = [head, rule]
    for r in sorted(m["results"], key=order_key):
        ratio = h.fmt(r.ratio * 100, 1 if r.ratio < 0.1 else 0) + " %" if r.ratio is not None else "–"
        cpu_ratio = h.fmt(r.cpu_ratio, 1) + "×" if r.cpu_ratio is not None else "–"
        db = (f" {h.fmt(r.db_cpu_ms / r.requests if r.requests and r.db_cpu_ms is not None else None, 2)} |"
              if pg else "")
        non_2xx = str(r.non_2xx) + (f" (+{r.socket_errors} socket errors)" if r.socket_errors else "")
        lines.append(f"| {r.label} | {r.concurrency} | {r.requests:,} | {h.fmt(r.rps, 0)} | {ratio} | "
                     f"{h.fmt(r.p50_ms, 2)} | {h.fmt(r.p95_ms, 2)} | {h.fmt(r.p99_ms, 2)} | "
                     f"{h.fmt(r.cpu_ms_per_request, 2)} | {cpu_ratio} |{db} {non_2xx} |")
    return lines


def circle_curve(m: dict) -> str:
    points = ", ".join(f"{n} members {at(m, circle_label(n), 1).cpu_ms_per_request:.2f} ms" for n in CIRCLE_SIZES)
    slopes = ", ".join(f"{lo} → {hi}: {ms:.3f} ms ({h.fmt(ratio, 2)}× bare CPU)"
                       for lo, hi, ms, ratio in member_slopes(m))
    return f"App CPU per circle send (concurrency 1): {points}. Per extra member (slope between sizes): {slopes}."


def engine_section(m: dict) -> list[str]:
    engine, raw = m["engine"], m["raw"]
    c = TARGET_CONCURRENCY
    sends = [("at concurrency 1", at(m, SEND, 1)), (f"at {c} into {c} conversations", at(m, SEND_EACH, c)),
             (f"at {c} into one", at(m, SEND_SAME, c))]
    raw_ratios = ", ".join(f"{r.rps / raw['rate']:.1%} {where}" for where, r in sends)
    return [
        f"### {engine['label']}", "",
        engine["about"], "",
        *engine_table(m), "",
        f"- {circle_curve(m)}",
        f"- Raw {engine['short']} insert rate (baseline, same engine, same run): **{raw['rate']:,.0f} inserts/s** "
        f"({raw['inserts']:,} one-row transactions in {raw['seconds']:.1f} s, one client, bare driver). "
        f"One-to-one sends reach {raw_ratios} of it.",
        "- Resident memory after the load (VmRSS): " + ", ".join(f"{k} {v:.0f} MB" for k, v in m["rss"].items())
        + ".",
        f"- Seeded through the HTTP API in {m['seed_seconds']:.0f} s (the circles {m['circle_seconds']:.0f} s). "
        "Checks: "
        + "; ".join(("" if ok else "**FAILED**: ") + text.split(": ", 1)[1] for text, ok in checks_for(m)) + ".",
    ]


def engines(tmp: Path, only_sqlite: bool) -> tuple[list[dict], str]:
    found = [{"key": "sqlite", "label": "SQLite (embedded default)", "short": "SQLite",
              "url": f"sqlite:///{tmp / 'bench.db'}",
              "about": "Fresh SQLite database (WAL, synchronous=NORMAL; writers queued on an flock, `api/sqlite.py`), "
                       "no Redis (Socket.IO in-process)."}]
    if only_sqlite:
        return found, "PostgreSQL and Redis not measured (--only-sqlite)."
    if not (s.pg_available() and s.redis_available()):
        return found, (f"PostgreSQL and Redis not measured: they did not both answer ({s.PG_SERVER}, "
                       f"{s.REDIS_SERVER}); start them with `bash .ci/services.sh start`.")
    found.append({"key": "pg", "label": "PostgreSQL + Redis", "short": "PostgreSQL", "pg_name": PG_DB,
                  "url": f"{s.PG_SERVER}/{PG_DB}", "redis": s.redis_url(REDIS_DB),
                  "about": f"Fresh PostgreSQL database on the local server ({s.PG_SERVER.split('@')[-1]}, as "
                           "`.ci/services.sh` starts it: fsync and synchronous_commit off), `REDIS_URL` set "
                           "(Socket.IO emits go through Redis). PG CPU ms/req is the CPU of the PostgreSQL "
                           "backends serving the app's connections; it is not in the × bare CPU ratios."})
    return found, ""


def run(quick: bool = False, only_sqlite: bool = False) -> h.Outcome:
    duration = 2.0 if quick else 8.0
    warmup = 1.0
    wrk = h.ensure_wrk()
    started, load_start = time.monotonic(), os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="peerless-bench-"))
    measured = []
    try:
        chosen, note = engines(tmp, only_sqlite)
        for engine in chosen:
            if engine.get("pg_name"):
                with s.pg_database(PG_DB):
                    measured.append(measure_engine(engine, tmp, wrk, duration, warmup))
            else:
                measured.append(measure_engine(engine, tmp, wrk, duration, warmup))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - started

    targets = [t for m in measured for t in targets_for(m)]
    checks = [c for m in measured for c in checks_for(m)]
    checks_ok = all(ok for _text, ok in checks)
    for m in measured:
        print(f"\n{m['engine']['label']}")
        print_rows([])
        print_rows(sorted(m["results"], key=order_key))
        print(circle_curve(m))
    print("\nTargets (issue 15):")
    for text, met, value in targets:
        print(f"{'met    ' if met else 'not met'}  {text}: {value}")
    print("\nChecks:")
    for text, ok in checks:
        print(f"{'OK     ' if ok else 'FAILED '}  {text}")
    print(f"total {elapsed:.0f} s")

    now = datetime.now(timezone.utc)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    lengths = [len(b) for b in message_bodies()]
    bare_cpus = [r.cpu_ms_per_request for m in measured for r in m["results"] if r.label in (BARE, BARE_AFTER)]
    bare_cpu = f"{min(bare_cpus):.2f}–{max(bare_cpus):.2f}" if bare_cpus else "–"
    lines = [
        "## Messaging, conversation lists and /sync (issues 3, 9 and 15)",
        "",
        *([] if checks_ok else ["**This run FAILED some of its checks (see the Checks lines below); its figures "
                                "are not to be trusted.**", ""]),
        f"Run {now:%Y-%m-%d %H:%M} UTC, {'**quick mode**, ' if quick else ''}{duration:g} s per measurement after a "
        f"{warmup:g} s warm-up per endpoint; revision `{h.git_revision()}`; Python {platform.python_version()}; "
        f"{wrk_version}; whole run {elapsed:.0f} s; machine load (1-minute average, 2 cores) "
        f"{load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (other work shares the cores: the "
        "raw insert rate and the seeding time show how much).",
        "",
        f"- Served by `gunicorn {' '.join(arg for arg in h.GUNICORN_ARGS if arg not in ('--log-level', 'warning'))}` "
        "on 127.0.0.1, for the app and for the bare route alike; wrk with one thread per connection (closed loop, "
        "keep-alive), for the bare route too.",
        "- App: `PEERLESS_ENV=production`, a random 48-character `JWT_SECRET_KEY`, `RATELIMIT_ENABLED=false`, "
        "`ACCESS_TOKEN_SECONDS=3600`, `PASSWORD_HASH_PROFILE=cheapest` (only the seeding registers users; no "
        "measured request hashes a password).",
        f"- Sends (`bench/wrk/send_mixed.lua`): all by user A, each with a fresh `client_msg_id` (so every answer "
        f"must be 201), bodies taken in turn from a fixed list of {len(lengths)} realistic messages of "
        f"{min(lengths)}–{max(lengths)} characters (mean {sum(lengths) / len(lengths):.0f}; lengths spread "
        "log-uniformly, seeded: `message_bodies()`). One-to-one: at concurrency 1 into A's conversation with B; "
        f"at concurrency {TARGET_CONCURRENCY} either one conversation per connection (A is connected to "
        f"{SEND_CONVERSATIONS} people) or all connections into the conversation with B. Circles: public circles of "
        f"{', '.join(map(str, CIRCLE_SIZES))} members (a host, A and people of the list user's peers), each joined "
        "through the API; the API caps a circle at 50, so the 200-member circle's limit is raised in the database "
        "after it is created, and the host's moderator role (only mentors and staff open circles) is one row "
        "written straight in. Circle sends run at concurrency 1 (circles of 50 and more for twice as long); the "
        "per-extra-member cost is the slope of app CPU per send between successive sizes.",
        f"- Reads: user L has {LIST_PEERS} accepted connections, each conversation holding {PEER_MESSAGES} "
        f"messages (so L also has {LIST_PEERS} connections and {LIST_PEERS * PEER_MESSAGES:,} notifications). "
        "`GET /conversations` is L's first page (default limit, 20). `GET /sync` is L's full snapshot (50 "
        "conversations with their last 20 messages, read positions, every connection, the latest 50 "
        f"notifications). `GET /sync?since=` uses a token L got before {SINCE_CHANGES} peers wrote once more and "
        "L read one conversation. The message page is the newest 50 of A and B's conversation (hundreds to "
        "thousands of messages by then).",
        "- “× bare” compares with the bare route measured at the same concurrency in the same run, with the "
        "same wrk threads, just before and again just after the block of concurrency-1 (or concurrency-8) rows, "
        "both runs pooled (requests, seconds and CPU added up); “× bare CPU” is the app's CPU per request "
        "divided by the bare route's. The raw insert rate is the same database engine's baseline.",
        f"- Load inflates the bare route's CPU per request more than the app's: here it cost {bare_cpu} ms, "
        f"against {QUIET_BARE_CPU_MS} ms on a quiet machine (issue-9 runs at a load average of 2.5–3.5), so "
        "at a high load average the × bare CPU ratios read low (targets look nearer than they are); "
        "compare runs at similar loads.",
        "",
    ]
    for m in measured:
        lines += [*engine_section(m), ""]
    if note:
        lines += [note, ""]
    lines += ["Targets (issue 15; app CPU per request against the bare route's):", "",
              *(f"- {'**met**' if met else '**not met**'}: {text}: {value}." for text, met, value in targets)]
    return h.Outcome(NAME, "\n".join(lines), [r for m in measured for r in m["results"]],
                     targets_met=all(met for _t, met, _v in targets) and checks_ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s per measurement (about 1.5 minutes per engine)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--only-sqlite", action="store_true", help="skip PostgreSQL and Redis")
    args = parser.parse_args(argv)
    outcome = run(quick=args.quick, only_sqlite=args.only_sqlite)
    if "FAILED some of its checks" in outcome.section:
        print(f"a check failed: the {outcome.name} section of {h.DOC_PATH.relative_to(h.ROOT)} is left as it was")
        return 1
    if not args.no_write:
        h.update_doc({outcome.name: outcome.section})
        print(f"wrote the {outcome.name} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
