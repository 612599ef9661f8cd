"""Messaging load benchmark (issues 3 and 9): message sends at concurrency 1, 8 and 32, conversation lists,
`/sync` (full snapshot and incremental) for a user with 200 conversations, and message pages, against the app
served by gunicorn: on SQLite (the embedded default) and, when they answer, on PostgreSQL with Redis. Every
figure sits beside its baselines from the same run: a bare Flask route served the same way, and the raw
insert rate of the same database engine (one row per transaction through the bare driver).

    .venv/bin/python bench/messaging.py [--quick] [--no-write] [--only-sqlite]

Prints tables and rewrites the `messaging` section of docs/performance.md. Bounded: 127.0.0.1 only,
every process stopped at the end, about 3 minutes per engine (`--quick`: about 1 minute per engine).
"""
from __future__ import annotations

import argparse
import os
import platform
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
SEND_CONCURRENCY = (1, 8, 32)
READ_CONCURRENCY = (1, 8)
PG_DB = "peerless_bench_messaging"
REDIS_DB = 11

# Targets: issue 3 (sends), issue 9 (sends, lists, /sync, memory).
SEND_RATIO_TARGET = 0.40
SEND_P99_TARGET_MS = 50.0
READ_P95_TARGET_MS = 30.0
RSS_TARGET_MB = 200.0
TARGET_CONCURRENCY = 8

SEND = "Send message (POST …/messages)"
LIST = f"List conversations (GET /conversations, {LIST_PEERS} conv.)"
SNAPSHOT = f"Sync snapshot (GET /sync, {LIST_PEERS} conv.)"
SINCE = f"Sync since (GET /sync?since=, {SINCE_CHANGES} new messages + 1 read)"
PAGE = "Message page (GET …/messages?limit=50)"
BARE = "Bare Flask route (GET /)"


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


def seed(client: h.Client) -> dict:
    """A and B connected (sends, message pages); L with LIST_PEERS conversations of PEER_MESSAGES messages,
    a sync token taken after them, then SINCE_CHANGES new messages and one read position moved."""
    a, b, lister = (register(client, name) for name in ("a", "b", "list"))
    pair_conversation = connect(client, a, b)
    send(client, a, pair_conversation, "hello from the seed")

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
    since = client.call("GET", "/api/v1/sync", token=lister["token"])["next_since"]
    for p, conversation_id in peers[:SINCE_CHANGES]:
        send(client, p, conversation_id, "one more thing after your last sync")
    client.call("POST", f"/api/v1/conversations/{peers[0][1]}/read", {"seq": PEER_MESSAGES + 1},
                token=lister["token"], expect=(204,))
    return {"a": a, "b": b, "lister": lister, "conversation": pair_conversation, "since": since}


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


def check_conversation(client: h.Client, user: dict, conversation_id: str, created: int, in_flight: int) -> dict:
    """Read the whole conversation oldest first: seqs 1..N, each client_msg_id once, N within what was sent."""
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
    n = len(seqs)
    gap_free = seqs == list(range(1, n + 1))
    unique = len(ids) == n
    bounded = created <= n <= created + in_flight
    ok = gap_free and unique and bounded
    text = (f"the conversation holds {n:,} messages with seqs {'exactly 1..N' if gap_free else 'NOT 1..N'} and "
            f"{'unique' if unique else 'REPEATED'} client_msg_ids; {created:,} sends were answered 201 (seed "
            f"included) and at most {in_flight} more were in flight when wrk stopped"
            f"{'' if bounded else ' (MISMATCH: messages lost or duplicated)'}")
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
    label, database_url = engine["label"], engine["url"]
    print(f"\n--- {label}", flush=True)
    h.migrate(database_url, tmp / f"migrate-{engine['key']}.log")
    extra = {"REDIS_URL": engine["redis"]} if engine.get("redis") else {}
    app = h.Server(f"app-{engine['key']}", "wsgi:app", chdir=h.ROOT, env=h.app_env(database_url, **extra),
                   log_path=tmp / f"app-{engine['key']}.log", ready_path="/healthz")
    bare_env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}
    bare = h.Server("bare", "bare_app:app", chdir=h.BENCH_DIR, env=bare_env, log_path=tmp / "bare.log")
    pg = s.PgCpu(engine.get("pg_name"))
    with app, bare:
        app.start()
        bare.start()
        print(f"app on {app.base_url}, bare route on {bare.base_url}; seeding...", flush=True)
        t0 = time.monotonic()
        client = h.Client(app.base_url)
        data = seed(client)
        seed_seconds = time.monotonic() - t0
        sync_check = check_sync(client, data["lister"], data["since"])
        print(f"seeded in {seed_seconds:.1f} s; {sync_check['text']}", flush=True)

        a, lister, conversation = data["a"], data["lister"], data["conversation"]
        send_url = f"{app.base_url}/api/v1/conversations/{conversation}/messages"
        urls = {
            LIST: f"{app.base_url}/api/v1/conversations",
            SNAPSHOT: f"{app.base_url}/api/v1/sync",
            SINCE: f"{app.base_url}/api/v1/sync?since={data['since']}",
            PAGE: f"{send_url}?limit=50",
        }
        reader = {LIST: lister, SNAPSHOT: lister, SINCE: lister, PAGE: a}
        bare_url = bare.base_url + "/"

        def measure(label_, server, url, script, args, concurrency, expected=200, seconds=duration):
            before = pg.ticks() if server is app else {}
            result = h.run_wrk(wrk, url=url, script=script, args=args, concurrency=concurrency,
                               duration=seconds, label=label_, server=server, expected_status=expected)
            result.db_cpu_ms = s.PgCpu.ms(before, pg.ticks()) if server is app and pg.dbname else None
            return result

        # Warm-up (not reported): imports, caches, connection pools and pages settle first.
        warm = [measure("warm bare", bare, bare_url, "get.lua", [], 8, seconds=warmup),
                measure("warm send", app, send_url, "send.lua", [a["token"]], 8, 201, seconds=warmup)]
        warm += [measure(f"warm {name}", app, url, "get.lua", [reader[name]["token"]], 8, seconds=warmup)
                 for name, url in urls.items()]

        raw = raw_insert_rate(database_url, max(2.0, duration / 2))
        print(f"raw {label} inserts, one per transaction: {raw['rate']:,.0f}/s", flush=True)

        results: list[h.Result] = []
        bare_at: dict[int, h.Result] = {}
        for c in SEND_CONCURRENCY:  # bare and send side by side, so both see the same machine
            bare_at[c] = measure(BARE, bare, bare_url, "get.lua", [], c)
            sent = measure(SEND, app, send_url, "send.lua", [a["token"]], c, 201)
            sent.baseline = bare_at[c]
            results += [bare_at[c], sent]
            h.print_table(results[-2:])
        for c in READ_CONCURRENCY:
            for name, url in urls.items():
                r = measure(name, app, url, "get.lua", [reader[name]["token"]], c)
                r.baseline = bare_at[c]
                results.append(r)
                h.print_table([r])
        rss = rss_mb(app)
        print("resident memory after the load: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()), flush=True)

        # Integrity: walk the whole conversation after the load. wrk stops with requests in flight (their
        # messages exist but their 201s were never counted), so up to one message per connection may
        # exceed the 201 count; none may be missing, and seqs must be exactly 1..N with no repeat.
        send_runs = [r for r in [*warm, *results] if r.label in (SEND, "warm send")]
        created = 1 + sum(r.statuses.get("201", 0) for r in send_runs)
        in_flight = sum(r.concurrency for r in send_runs)
        integrity = check_conversation(client, a, conversation, created, in_flight)
    return {"engine": engine, "results": results, "raw": raw, "rss": rss, "integrity": integrity,
            "sync_check": sync_check, "seed_seconds": seed_seconds}


def targets_for(m: dict) -> list[tuple[str, bool, str, str]]:
    label, results, raw = m["engine"]["label"], m["results"], m["raw"]

    def at(name, c):
        return next(r for r in results if r.label == name and r.concurrency == c)

    send8 = at(SEND, TARGET_CONCURRENCY)
    out = [
        (f"{label}: message send ≥ {SEND_RATIO_TARGET:.0%} of bare-route throughput at concurrency "
         f"{TARGET_CONCURRENCY}", send8.ratio is not None and send8.ratio >= SEND_RATIO_TARGET,
         f"{send8.ratio:.1%} (and {send8.rps / raw['rate']:.1%} of the raw insert rate)", "issues 3, 9"),
        (f"{label}: message send p99 < {SEND_P99_TARGET_MS:g} ms at concurrency {TARGET_CONCURRENCY}",
         send8.p99_ms < SEND_P99_TARGET_MS, f"{send8.p99_ms:.1f} ms", "issues 3, 9"),
    ]
    for name, short in ((LIST, "GET /conversations"), (SNAPSHOT, "GET /sync (snapshot)"),
                        (SINCE, "GET /sync?since= (incremental)")):
        for c in READ_CONCURRENCY:
            r = at(name, c)
            out.append((f"{label}: {short} p95 < {READ_P95_TARGET_MS:g} ms for a user with {LIST_PEERS} "
                        f"conversations, concurrency {c}", r.p95_ms < READ_P95_TARGET_MS, f"{r.p95_ms:.1f} ms",
                        "issue 9"))
    worst = max(v for k, v in m["rss"].items() if k.startswith("worker"))
    out.append((f"{label}: each API process < {RSS_TARGET_MB:g} MB resident after the load", worst < RSS_TARGET_MB,
                f"largest {worst:.0f} MB", "issue 9"))
    return out


# ---------------------------------------------------------------- report

def engine_table(m: dict) -> list[str]:
    pg = bool(m["engine"].get("pg_name"))
    head = ("| Benchmark | Conc. | Requests | Req/s | × bare req/s | p50 ms | p95 ms | p99 ms | App CPU ms/req "
            "| × bare CPU |" + (" PG CPU ms/req |" if pg else "") + " Non-2xx |")
    rule = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|" + ("--:|" if pg else "") + "--:|"
    order = [BARE, SEND, LIST, SNAPSHOT, SINCE, PAGE]
    rows = sorted(m["results"], key=lambda r: (order.index(r.label), r.concurrency))
    lines = [head, rule]
    for r in rows:
        ratio = h.fmt(r.ratio * 100, 1 if r.ratio < 0.1 else 0) + " %" if r.ratio is not None else "–"
        cpu_ratio = h.fmt(r.cpu_ratio, 1) + "×" if r.cpu_ratio is not None else "–"
        db = (f" {h.fmt(r.db_cpu_ms / r.requests if r.requests and r.db_cpu_ms is not None else None, 2)} |"
              if pg else "")
        non_2xx = str(r.non_2xx) + (f" (+{r.socket_errors} socket errors)" if r.socket_errors else "")
        lines.append(f"| {r.label} | {r.concurrency} | {r.requests:,} | {h.fmt(r.rps, 0)} | {ratio} | "
                     f"{h.fmt(r.p50_ms, 2)} | {h.fmt(r.p95_ms, 2)} | {h.fmt(r.p99_ms, 2)} | "
                     f"{h.fmt(r.cpu_ms_per_request, 2)} | {cpu_ratio} |{db} {non_2xx} |")
    return lines


def engine_section(m: dict) -> list[str]:
    engine, raw = m["engine"], m["raw"]
    sends = sorted((r for r in m["results"] if r.label == SEND), key=lambda r: r.concurrency)
    raw_ratios = ", ".join(f"{r.rps / raw['rate']:.1%} at concurrency {r.concurrency}" for r in sends)
    return [
        f"### {engine['label']}", "",
        engine["about"], "",
        *engine_table(m), "",
        f"- Raw {engine['short']} insert rate (baseline, same engine, same run): **{raw['rate']:,.0f} inserts/s** "
        f"({raw['inserts']:,} one-row transactions in {raw['seconds']:.1f} s, one client, bare driver). "
        f"Message sends reach {raw_ratios} of it.",
        "- Resident memory after the load (VmRSS): " + ", ".join(f"{k} {v:.0f} MB" for k, v in m["rss"].items())
        + ".",
        f"- Seeded through the HTTP API in {m['seed_seconds']:.0f} s. Checks: "
        f"{sum(r.unexpected for r in m['results'])} unexpected statuses or socket errors; {m['sync_check']['text']}; "
        f"after the load, {m['integrity']['text']}.",
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
                           "backends serving the app's connections."})
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
    unexpected = sum(r.unexpected for m in measured for r in m["results"])
    checks_ok = all(m["integrity"]["ok"] and m["sync_check"]["ok"] for m in measured)
    for m in measured:
        print(f"\n{m['engine']['label']}")
        h.print_table(sorted(m["results"], key=lambda r: (r.label, r.concurrency)))
    for text, met, value, _source in targets:
        print(f"{'MET    ' if met else 'NOT MET'}  {text}: {value}")
    print(f"{'OK     ' if unexpected == 0 else 'FAILED '}  unexpected statuses / socket errors: {unexpected}")
    print(f"{'OK     ' if checks_ok else 'FAILED '}  sync answers and conversation integrity")
    print(f"total {elapsed:.0f} s")

    now = datetime.now(timezone.utc)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    lines = [
        "## Messaging, conversation lists and /sync (issues 3 and 9)",
        "",
        f"Run {now:%Y-%m-%d %H:%M} UTC, {'**quick mode**, ' if quick else ''}{duration:g} s per measurement after a "
        f"{warmup:g} s warm-up per endpoint; revision `{h.git_revision()}`; Python {platform.python_version()}; "
        f"{wrk_version}; whole run {elapsed:.0f} s; machine load (1-minute average, 2 cores) "
        f"{load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (other work shares the cores: the "
        "raw insert rate and the seeding time show how much).",
        "",
        f"- Served by `gunicorn {' '.join(arg for arg in h.GUNICORN_ARGS if arg not in ('--log-level', 'warning'))}` "
        "on 127.0.0.1, for the app and for the bare route alike; wrk with 1 thread at concurrency 1, 2 threads "
        "above, one connection per concurrent client (closed loop, keep-alive).",
        "- App: `PEERLESS_ENV=production`, a random 48-character `JWT_SECRET_KEY`, `RATELIMIT_ENABLED=false`, "
        "`ACCESS_TOKEN_SECONDS=3600`, `PASSWORD_HASH_PROFILE=cheapest` (only the seeding registers users; no "
        "measured request hashes a password).",
        f"- Data, seeded through the HTTP API: users A and B connected (all sends are A's, into their one "
        f"conversation, each with a fresh `client_msg_id`, so every answer must be 201); user L with {LIST_PEERS} "
        f"accepted connections, each conversation holding {PEER_MESSAGES} messages (so L also has {LIST_PEERS} "
        f"connections and {LIST_PEERS * PEER_MESSAGES:,} notifications). `GET /conversations` is L's first page "
        "(default limit, 20). `GET /sync` is L's full snapshot (50 conversations with their last 20 messages, "
        "read positions, every connection, the latest 50 notifications). `GET /sync?since=` uses a token L got "
        f"before {SINCE_CHANGES} peers wrote once more and L read one conversation. The message page is the newest "
        "50 of A and B's conversation (thousands of messages by then).",
        "- “× bare” compares with the bare route measured at the same concurrency in the same run; "
        "“× bare CPU” is the app's CPU per request divided by the bare route's. The raw insert rate is the "
        "same database engine's baseline.",
        "",
    ]
    for m in measured:
        lines += [*engine_section(m), ""]
    if note:
        lines += [note, ""]
    lines += ["Targets:", "",
              *(f"- {'**met**' if met else '**not met**'}: {text} ({source}): {value}."
                for text, met, value, source in targets)]
    return h.Outcome(NAME, "\n".join(lines), [r for m in measured for r in m["results"]],
                     targets_met=all(met for _t, met, _v, _s in targets) and unexpected == 0 and checks_ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s per measurement (about a minute per engine)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--only-sqlite", action="store_true", help="skip PostgreSQL and Redis")
    args = parser.parse_args(argv)
    outcome = run(quick=args.quick, only_sqlite=args.only_sqlite)
    if not args.no_write:
        h.update_doc({outcome.name: outcome.section})
        print(f"wrote the {outcome.name} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
