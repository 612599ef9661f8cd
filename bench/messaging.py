"""Messaging load benchmark (issue 3): message sends at concurrency 1, 8 and 32, conversation lists and
message pages, against the app served by gunicorn on a fresh SQLite database, next to a bare Flask route
served the same way in the same run.

    .venv/bin/python bench/messaging.py [--quick] [--no-write]

Prints a table and rewrites the `messaging` section of docs/performance.md. Bounded: 127.0.0.1 only,
every process stopped at the end, about 2 minutes (`--quick`: under 1 minute).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
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

NAME = "messaging"
LIST_PEERS = 200
SEND_CONCURRENCY = (1, 8, 32)
READ_CONCURRENCY = (1, 8)

# Targets: issue 3 ("Benchmark"); the /conversations one was set with the benchmark brief.
SEND_RATIO_TARGET = 0.40
SEND_P99_TARGET_MS = 50.0
LIST_P95_TARGET_MS = 30.0
TARGET_CONCURRENCY = 8


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
    """Through the HTTP API: A and B connected (sends, message pages); L with LIST_PEERS conversations."""
    a, b, lister = (register(client, name) for name in ("a", "b", "list"))
    pair_conversation = connect(client, a, b)
    send(client, a, pair_conversation, "hello from the seed")

    def peer(i: int) -> str:
        p = register(client, f"peer{i}")
        conversation_id = connect(client, p, lister)
        send(client, p, conversation_id, f"hello from peer {i}")
        return conversation_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        peer_conversations = list(pool.map(peer, range(LIST_PEERS)))
    listed = client.call("GET", "/api/v1/conversations?limit=100", token=lister["token"])
    assert len(listed["items"]) == 100 and listed["next_cursor"], "the list user should have 200 conversations"
    return {"a": a, "b": b, "lister": lister, "conversation": pair_conversation,
            "peer_conversations": peer_conversations}


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


def run(quick: bool = False) -> h.Outcome:
    duration = 2.0 if quick else 8.0
    warmup = 1.0
    wrk = h.ensure_wrk()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="peerless-bench-"))
    try:
        database_url = f"sqlite:///{tmp / 'bench.db'}"
        h.migrate(database_url, tmp / "migrate.log")
        app = h.Server("app", "wsgi:app", chdir=h.ROOT, env=h.app_env(database_url),
                       log_path=tmp / "app.log", ready_path="/healthz")
        bare_env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}
        bare = h.Server("bare", "bare_app:app", chdir=h.BENCH_DIR, env=bare_env, log_path=tmp / "bare.log")
        with app, bare:
            app.start()
            bare.start()
            print(f"app on {app.base_url}, bare route on {bare.base_url}; seeding...", flush=True)
            t0 = time.monotonic()
            data = seed(h.Client(app.base_url))
            seed_seconds = time.monotonic() - t0
            print(f"seeded in {seed_seconds:.1f} s", flush=True)

            a, lister, conversation = data["a"], data["lister"], data["conversation"]
            send_url = f"{app.base_url}/api/v1/conversations/{conversation}/messages"
            page_url = f"{send_url}?limit=50"
            list_url = f"{app.base_url}/api/v1/conversations"
            bare_url = bare.base_url + "/"

            def measure(label, server, url, script, args, concurrency, expected=200, seconds=duration):
                result = h.run_wrk(wrk, url=url, script=script, args=args, concurrency=concurrency,
                                   duration=seconds, label=label, server=server, expected_status=expected)
                return result

            # Warm-up (not reported): imports, caches and SQLite pages settle before anything is measured.
            warm = [measure("warm bare", bare, bare_url, "get.lua", [], 8, seconds=warmup),
                    measure("warm send", app, send_url, "send.lua", [a["token"]], 8, 201, seconds=warmup),
                    measure("warm list", app, list_url, "get.lua", [lister["token"]], 8, seconds=warmup),
                    measure("warm page", app, page_url, "get.lua", [a["token"]], 8, seconds=warmup)]

            results: list[h.Result] = []
            bare_at: dict[int, h.Result] = {}
            for c in SEND_CONCURRENCY:  # bare and send side by side, so both see the same machine
                bare_at[c] = measure("Bare Flask route (GET /)", bare, bare_url, "get.lua", [], c)
                results.append(bare_at[c])
                sent = measure("Send message (POST …/messages)", app, send_url, "send.lua", [a["token"]], c, 201)
                sent.baseline = bare_at[c]
                results.append(sent)
                h.print_table(results[-2:])
            for c in READ_CONCURRENCY:
                listed = measure(f"List conversations (GET /conversations, {LIST_PEERS} conv.)", app, list_url,
                                 "get.lua", [lister["token"]], c)
                page = measure("Message page (GET …/messages?limit=50)", app, page_url, "get.lua", [a["token"]], c)
                listed.baseline = page.baseline = bare_at[c]
                results += [listed, page]
                h.print_table(results[-2:])

            # Integrity: walk the whole conversation after the load. wrk stops with requests in flight (their
            # messages exist but their 201s were never counted), so up to one message per connection may
            # exceed the 201 count; none may be missing, and seqs must be exactly 1..N with no repeat.
            send_runs = [r for r in [*warm, *results] if "send" in r.label.lower()]
            created = 1 + sum(r.statuses.get("201", 0) for r in send_runs)
            in_flight = sum(r.concurrency for r in send_runs)
            integrity = check_conversation(h.Client(app.base_url), a, conversation, created, in_flight)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - started

    ordered = sorted(results, key=lambda r: (not r.label.startswith("Bare"), not r.label.startswith("Send"),
                                             not r.label.startswith("List"), r.concurrency))
    print()
    h.print_table(ordered)
    send8 = next(r for r in results if r.label.startswith("Send") and r.concurrency == TARGET_CONCURRENCY)
    list8 = next(r for r in results if r.label.startswith("List") and r.concurrency == TARGET_CONCURRENCY)
    targets = [
        (f"Message send ≥ {SEND_RATIO_TARGET:.0%} of bare-route throughput at concurrency {TARGET_CONCURRENCY}",
         send8.ratio is not None and send8.ratio >= SEND_RATIO_TARGET, f"{send8.ratio:.0%}", "issue 3"),
        (f"Message send p99 < {SEND_P99_TARGET_MS:g} ms at concurrency {TARGET_CONCURRENCY}",
         send8.p99_ms < SEND_P99_TARGET_MS, f"{send8.p99_ms:.1f} ms", "issue 3"),
        (f"GET /conversations p95 < {LIST_P95_TARGET_MS:g} ms for a user with {LIST_PEERS} conversations "
         f"(concurrency {TARGET_CONCURRENCY})", list8.p95_ms < LIST_P95_TARGET_MS, f"{list8.p95_ms:.1f} ms",
         "benchmark brief"),
    ]
    unexpected = sum(r.unexpected for r in results)
    integrity_ok = integrity["ok"]
    for text, met, value, _source in targets:
        print(f"{'MET    ' if met else 'NOT MET'}  {text}: {value}")
    print(f"{'OK     ' if unexpected == 0 else 'FAILED '}  unexpected statuses / socket errors: {unexpected}")
    print(f"{'OK     ' if integrity_ok else 'FAILED '}  {integrity['text']}")
    print(f"total {elapsed:.0f} s (seeding {seed_seconds:.1f} s)")

    now = datetime.now(timezone.utc)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    lines = [
        "## Messaging (issue 3)",
        "",
        f"Run {now:%Y-%m-%d %H:%M} UTC, {'**quick mode**, ' if quick else ''}{duration:g} s per measurement after a "
        f"{warmup:g} s warm-up per endpoint; revision `{h.git_revision()}`; Python {platform.python_version()}; "
        f"{wrk_version}; whole run {elapsed:.0f} s.",
        "",
        f"- Served by `gunicorn {' '.join(arg for arg in h.GUNICORN_ARGS if arg not in ('--log-level', 'warning'))}` "
        "on 127.0.0.1, for the app and for the bare route alike; wrk with 1 thread at concurrency 1, 2 threads "
        "above, one connection per concurrent client (closed loop, keep-alive).",
        "- App: fresh SQLite database (WAL, synchronous=NORMAL) migrated for the run; `PEERLESS_ENV=production`, "
        "a random 48-character `JWT_SECRET_KEY`, `RATELIMIT_ENABLED=false`, `ACCESS_TOKEN_SECONDS=3600`, "
        "`PASSWORD_HASH_PROFILE=cheapest` (only the seeding registers users; no measured request hashes a password).",
        f"- Seeded through the HTTP API in {seed_seconds:.0f} s: users A and B connected (all sends are A's, into their "
        f"one conversation, each with a fresh `client_msg_id`, so every answer must be 201); user L with {LIST_PEERS} "
        "accepted connections, each conversation holding one message. `GET /conversations` is L's first page "
        "(default limit, 20); the message page is the newest 50 of A and B's conversation (thousands of messages "
        "by then).",
        "- “× bare” compares with the bare route measured at the same concurrency in the same run; "
        "“× bare CPU” is server CPU per request divided by the bare route's.",
        "",
        h.markdown_table(ordered),
        "",
        "Targets:",
        "",
        *(f"- {'**met**' if met else '**not met**'}: {text} ({source}): {value}." for text, met, value, source in targets),
        "",
        f"Checks: {unexpected} unexpected statuses or socket errors. After the load, {integrity['text']}.",
    ]
    return h.Outcome(NAME, "\n".join(lines), ordered,
                     targets_met=all(met for _t, met, _v, _s in targets) and unexpected == 0 and integrity_ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s per measurement (under a minute in all)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args(argv)
    outcome = run(quick=args.quick)
    if not args.no_write:
        h.update_doc({outcome.name: outcome.section})
        print(f"wrote the {outcome.name} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
