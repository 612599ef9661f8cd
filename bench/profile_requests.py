"""Where a request's time goes, in process: SQL statements per request and a cProfile of the app's own
functions (or a pyinstrument call tree), for the requests the messaging benchmark measures. Not a load
benchmark (run_all.py skips it); deterministic, so it also works on a noisy machine.

    .venv/bin/python bench/profile_requests.py [send|list|page|sync|since ...] [--requests 300] [--pyinstrument]

`sync` is the full `/sync` snapshot and `since` an incremental `/sync?since=` with a few changes, both
for a user with 200 conversations of 5 messages each.

Uses Flask's test client on a fresh, migrated SQLite database in a temp dir (the test client's own
cost is included in the totals, not in the app functions listed).
"""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    import argparse
    import collections
    import cProfile
    import os
    import pstats
    import shutil
    import sys
    import tempfile
    import uuid
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _harness as h

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="*", metavar="send|list|page")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--pyinstrument", action="store_true", help="a pyinstrument call tree instead of cProfile")
    args = parser.parse_args(argv)
    kinds = ["send", "list", "page", "sync", "since"]
    args.which = args.which or kinds
    if set(args.which) - set(kinds):
        parser.error(f"choose among {', '.join(kinds)}")

    tmp = Path(tempfile.mkdtemp(prefix="peerless-profile-"))
    try:
        url = f"sqlite:///{tmp / 'profile.db'}"
        h.migrate(url, tmp / "migrate.log")
        os.environ.update(h.app_env(url))
        sys.path.insert(0, str(h.ROOT))
        import logging

        from sqlalchemy import event

        from api import create_app
        from models import db

        logging.getLogger("peerless.request").disabled = True
        app = create_app()
        client = app.test_client()

        def register(label):
            s = uuid.uuid4().hex[:10]
            r = client.post("/api/v1/auth/register", json={
                "email": f"{label}-{s}@example.com", "password": f"bench-pass-{s}-Zq8!", "display_name": label,
                "birth_year": 1985, "accept_terms": True, "consent_health_data": True})
            assert r.status_code == 201, r.json
            return r.json["user"]["id"], {"Authorization": "Bearer " + r.json["access_token"]}

        def connect(a, b):
            r = client.post("/api/v1/connections", json={"user_id": b[0]}, headers=a[1])
            return client.post(f"/api/v1/connections/{r.json['id']}/accept", headers=b[1]).json["conversation_id"]

        def send_from(user, conversation):
            return client.post(f"/api/v1/conversations/{conversation}/messages",
                               json={"client_msg_id": uuid.uuid4().hex, "body": "hello"}, headers=user[1])

        a, b, lister = register("a"), register("b"), register("list")
        conversation = connect(a, b)
        peers = []
        for i in range(200):
            peer = register(f"peer{i}")
            peers.append((peer, connect(peer, lister)))
            for _ in range(5):
                send_from(peer, peers[-1][1])
        since = client.get("/api/v1/sync", headers=lister[1]).json["next_since"]
        for peer, peer_conversation in peers[:5]:  # a few changes after the token
            send_from(peer, peer_conversation)
        requests = {
            "send": lambda: send_from(a, conversation),
            "list": lambda: client.get("/api/v1/conversations", headers=lister[1]),
            "page": lambda: client.get(f"/api/v1/conversations/{conversation}/messages?limit=50", headers=a[1]),
            "sync": lambda: client.get("/api/v1/sync", headers=lister[1]),
            "since": lambda: client.get(f"/api/v1/sync?since={since}", headers=lister[1]),
        }
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda _c, _cur, statement, *_rest: statements.append(" ".join(statement.split())))
        for name in args.which:
            call = requests[name]
            for _ in range(60):  # warm up, and give the message page 50+ messages to read
                assert call().status_code in (200, 201)
            statements.clear()
            call()
            print(f"\n==== {name}: {len(statements)} SQL statements in one request")
            for text, n in collections.Counter(s[:110] for s in statements).most_common():
                print(f"  {n:>3} × {text}")
            import time
            t0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(args.requests):
                call()
            print(f"  {args.requests} requests, {(time.perf_counter() - t0) * 1000 / args.requests:.2f} ms each "
                  f"without a profiler ({(time.process_time() - cpu0) * 1000 / args.requests:.2f} ms of CPU)")
            if args.pyinstrument:
                from pyinstrument import Profiler
                profiler = Profiler(interval=0.0002)
                profiler.start()
                for _ in range(args.requests):
                    call()
                profiler.stop()
                print(f"  {args.requests} requests, {profiler.last_session.duration * 1000 / args.requests:.2f} ms "
                      "each under pyinstrument:")
                print(profiler.output_text(unicode=True, show_all=False, short_mode=False))
                continue
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                call()
            profile.disable()
            stats = pstats.Stats(profile)
            print(f"  {args.requests} requests, {stats.total_tt * 1000 / args.requests:.2f} ms each under cProfile; "
                  "app functions by cumulative time:")
            stats.sort_stats("cumulative").print_stats(rf"{h.ROOT}/(api|services|models)/", args.top)
            print("  all functions by own time:")
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
