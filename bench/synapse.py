"""Message sends, Peerless against Matrix Synapse, measured side by side in one run (issue 15).

    .venv/bin/python bench/synapse.py [--quick] [--no-write] [--only-sqlite] [--reinstall]
    make bench-synapse [BENCH_ARGS=--quick]

What it installs: Matrix Synapse from PyPI, `matrix-synapse==1.163.2` (the latest release when this was
written; a manylinux abi3 wheel for CPython >= 3.10) with `psycopg2-binary==2.9.13` (Synapse's
PostgreSQL driver), wheels only, into a venv of its own: `$PEERLESS_BENCH_CACHE/synapse-1.163.2-venv`
(default `/tmp/peerless-bench/synapse-1.163.2-venv`, ~250 MB). Never into the project's venv; nothing of
Synapse is committed. The venv is kept between runs (the first install takes about a minute here;
`--reinstall` starts it afresh); delete the directory to remove it.

What it does, for SQLite and, when the PostgreSQL and Redis of `.ci/services.sh` answer (or
BENCH_PG_URL / BENCH_REDIS_URL; the dev services are at 127.0.0.1:54330 and :6391), for PostgreSQL too:

- Peerless: a fresh database, migrated, served by gunicorn with the settings of the other benchmarks
  (`bench/_harness.py` GUNICORN_ARGS, `app_env`); user A connected to 8 peers (8 direct conversations).
- Synapse: a fresh homeserver in a temp directory (`server_name: localhost`, one client listener on
  127.0.0.1, no federation listener, presence, metrics and URL previews off, logging at WARNING, every
  `rc_*` rate limit raised out of reach and a per-user override for the sender), on SQLite or on a
  PostgreSQL database of its own (UTF8, C collation, as Synapse requires); users registered through the
  shared-secret admin API; user A in 8 direct rooms (created with the peer invited, the peer joined).
- wrk sends, a fresh idempotency key every request (Peerless: `POST /api/v1/conversations/{id}/messages`
  with a new `client_msg_id`; Synapse: `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`
  with a new txnId), at concurrency 1 and 8, with as many wrk threads as connections: into one
  conversation / room, and at concurrency 8 also one conversation / room per connection. Peerless and
  Synapse are measured back to back for each case, so both see the same machine.
- Server CPU per request from /proc (gunicorn master and workers; the Synapse process), plus the
  PostgreSQL backends serving each server's database.

Prints a table and writes the `synapse` section of docs/performance.md. Not part of `make bench` (it
installs Synapse): `make bench-synapse`. Bounded: 127.0.0.1 only, every subprocess has a timeout, and
every server is stopped at the end, on errors and on Ctrl-C too. Takes about 4–4.5 minutes with PostgreSQL
(2 with SQLite only) at a load average of 5 on the 2 shared cores; `--quick` (4 s measurements) about 3
(1.5 with SQLite only); plus about a minute for the first install.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402
import messaging as m  # noqa: E402
import seed as s  # noqa: E402

# Not NAME/run: run_all.py (`make bench`) would pick the module up and install Synapse every time.
SECTION = "synapse"
SYNAPSE_VERSION = "1.163.2"
PSYCOPG2_VERSION = "2.9.13"
CACHE_DIR = Path(os.environ.get("PEERLESS_BENCH_CACHE", "/tmp/peerless-bench"))
VENV = CACHE_DIR / f"synapse-{SYNAPSE_VERSION}-venv"
INSTALL_TIMEOUT = 900

PEERS = 8                                   # conversations / rooms: one per connection at concurrency 8
CASES = (("one", 1), ("one", 8), ("each", 8))
TARGET_CONCURRENCY = 8
TARGET_RATIO = 10.0
PEERLESS_PG_DB = "peerless_bench_synapse_cmp"
SYNAPSE_PG_DB = "synapse_bench"
REDIS_DB = 12
SHAPE = {"one": "one conversation / room", "each": f"{PEERS} conversations / rooms, one per connection"}

RATE_LIMITS_OFF = {"per_second": 1_000_000, "burst_count": 1_000_000}
RC_KEYS = {  # every rate limiter of Synapse 1.163 (synapse/config/ratelimiting.py), out of reach
    "rc_message": RATE_LIMITS_OFF, "rc_registration": RATE_LIMITS_OFF, "rc_room_creation": RATE_LIMITS_OFF,
    "rc_login": {"address": RATE_LIMITS_OFF, "account": RATE_LIMITS_OFF, "failed_attempts": RATE_LIMITS_OFF},
    "rc_joins": {"local": RATE_LIMITS_OFF, "remote": RATE_LIMITS_OFF}, "rc_joins_per_room": RATE_LIMITS_OFF,
    "rc_invites": {"per_room": RATE_LIMITS_OFF, "per_user": RATE_LIMITS_OFF, "per_issuer": RATE_LIMITS_OFF},
    "rc_admin_redaction": RATE_LIMITS_OFF, "rc_3pid_validation": RATE_LIMITS_OFF, "rc_profile": RATE_LIMITS_OFF,
    "rc_media_create": RATE_LIMITS_OFF, "rc_reports": RATE_LIMITS_OFF, "rc_user_directory": RATE_LIMITS_OFF,
    "rc_delayed_event_mgmt": RATE_LIMITS_OFF, "rc_key_requests": RATE_LIMITS_OFF,
}


# ---------------------------------------------------------------- installing Synapse

def ensure_synapse(reinstall: bool = False) -> tuple[Path, float | None]:
    """The Python of Synapse's own venv, installing it from PyPI (wheels only) unless it is there already.
    Returns (python, seconds the install took or None when it was reused)."""
    python, marker = VENV / "bin" / "python", VENV / ".installed"
    wanted = f"matrix-synapse=={SYNAPSE_VERSION} psycopg2-binary=={PSYCOPG2_VERSION}"
    if not reinstall and marker.exists() and marker.read_text().strip() == wanted:
        return python, None
    shutil.rmtree(VENV, ignore_errors=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing {wanted} into {VENV} (wheels only, about a minute)...", flush=True)
    t0 = time.monotonic()
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", str(VENV)], check=True, timeout=120)
    log = CACHE_DIR / f"synapse-{SYNAPSE_VERSION}-pip.log"
    with open(log, "wb") as out:
        pip = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                              "--only-binary=:all:", *wanted.split()], timeout=INSTALL_TIMEOUT,
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    if pip.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"pip install of {wanted} failed (log: {log}):\n{tail}")
    subprocess.run([str(python), "-c", "import synapse, psycopg2"], check=True, timeout=60)
    marker.write_text(wanted + "\n")
    return python, time.monotonic() - t0


# ---------------------------------------------------------------- a Synapse homeserver

class SynapseServer(h.Server):
    """`python -m synapse.app.homeserver` in its own process group, on 127.0.0.1:<free port>. CPU and
    stop() as for gunicorn (h.Server): the whole process tree, the whole group."""

    def __init__(self, python: Path, data_dir: Path, database: dict, log_path: Path):
        super().__init__("synapse", "synapse.app.homeserver", chdir=data_dir, env=self._env(),
                         log_path=log_path, ready_path="/health")
        self.python, self.data_dir = python, data_dir
        self.shared_secret = secrets.token_hex(32)
        self.config_path = data_dir / "homeserver.yaml"
        self._write_config(database)

    @staticmethod
    def _env() -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "FLASK"))}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def _write_config(self, database: dict) -> None:
        d = self.data_dir
        log_config = {  # WARNING and above only, like gunicorn's --log-level warning for Peerless
            "version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": str(d / "synapse-internal.log")}},
            "root": {"level": "WARNING", "handlers": ["file"]},
        }
        (d / "log.config").write_text(json.dumps(log_config, indent=1))
        config = {
            "server_name": "localhost",
            "pid_file": str(d / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                           "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}],
            "database": database,
            "log_config": str(d / "log.config"),
            "media_store_path": str(d / "media_store"),
            "signing_key_path": str(d / "localhost.signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(32),
            "form_secret": secrets.token_hex(32),
            "report_stats": False,
            "enable_metrics": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "bcrypt_rounds": 4,          # registration only; no measured request hashes a password
            **RC_KEYS,
        }
        self.config_path.write_text(json.dumps(config, indent=1))   # JSON is YAML

    def start(self, timeout: float = 240.0) -> "SynapseServer":
        subprocess.run([str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config_path),
                        "--generate-keys"], cwd=self.data_dir, env=self.env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                                     cwd=self.data_dir, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Synapse exited early:\n{self.log_tail()}\n{self.internal_log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"Synapse not ready after {timeout:.0f}s:\n{self.log_tail()}\n{self.internal_log_tail()}")

    def internal_log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.data_dir / "synapse-internal.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # ------------------------------------------------------------ Matrix client calls

    def register(self, client: h.Client, username: str, admin: bool = False) -> dict:
        """Shared-secret registration (what `register_new_matrix_user` does): nonce, then an HMAC-SHA1 of
        nonce, user, password and admin flag."""
        nonce = client.call("GET", "/_synapse/admin/v1/register")["nonce"]
        password = secrets.token_urlsafe(16)
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, username, password):
            mac.update(part.encode() + b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        out = client.call("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": username, "password": password, "admin": admin, "mac": mac.hexdigest()})
        return {"id": out["user_id"], "token": out["access_token"]}


def quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def synapse_pg_database_config(name: str) -> dict:
    from sqlalchemy.engine import make_url
    url = make_url(s.PG_SERVER)
    args = {"user": url.username or "postgres", "host": url.host or "127.0.0.1", "port": url.port or 5432,
            "database": name, "cp_min": 5, "cp_max": 10}
    if url.password:
        args["password"] = url.password
    return {"name": "psycopg2", "args": args}


@contextmanager
def synapse_pg_database(name: str):
    """A PostgreSQL database for Synapse (UTF8 with C collation and ctype, which Synapse insists on),
    dropped at the end."""
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(s._pg_admin_conninfo(), autocommit=True) as c:
            c.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    try:
        yield synapse_pg_database_config(name)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- seeding

def seed_peerless(client: h.Client) -> dict:
    """A connected to PEERS peers: PEERS direct conversations; one message each to check the path."""
    a = m.register(client, "sender")
    conversations = []
    for i in range(PEERS):
        conversation = m.connect(client, a, m.register(client, f"peer{i}"))
        m.send(client, a, conversation, "hello from the seed")
        conversations.append(conversation)
    return {"sender": a, "paths": [f"/api/v1/conversations/{c}/messages" for c in conversations]}


def seed_synapse(server: SynapseServer, client: h.Client) -> dict:
    """A in PEERS direct rooms, each with one peer who joined; A's message rate limit overridden to none."""
    run = secrets.token_hex(3)
    admin = server.register(client, f"bench-admin-{run}", admin=True)
    a = server.register(client, f"bench-sender-{run}")
    client.call("POST", f"/_synapse/admin/v1/users/{quote(a['id'])}/override_ratelimit",
                {"messages_per_second": 0, "burst_count": 0}, token=admin["token"])
    rooms = []
    for i in range(PEERS):
        peer = server.register(client, f"bench-peer{i}-{run}")
        room = client.call("POST", "/_matrix/client/v3/createRoom",
                           {"preset": "trusted_private_chat", "is_direct": True, "invite": [peer["id"]]},
                           token=a["token"])["room_id"]
        client.call("POST", f"/_matrix/client/v3/join/{quote(room)}", {}, token=peer["token"])
        client.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/seed-{i}",
                    {"msgtype": "m.text", "body": "hello from the seed"}, token=a["token"])
        rooms.append(quote(room))
    return {"sender": a, "rooms": rooms}


def rss_mb(server: h.Server) -> float:
    """Resident memory of a server's whole process tree, in MB."""
    total = 0
    for pid in server.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


# ---------------------------------------------------------------- one engine

def measure_engine(engine: dict, tmp: Path, wrk: str, python: Path, duration: float, warmup: float) -> dict:
    key = engine["key"]
    print(f"\n--- {engine['label']}", flush=True)
    h.migrate(engine["peerless_url"], tmp / f"migrate-{key}.log")
    extra = {"REDIS_URL": engine["redis"]} if engine.get("redis") else {}
    app = h.Server(f"peerless-{key}", "wsgi:app", chdir=h.ROOT, env=h.app_env(engine["peerless_url"], **extra),
                   log_path=tmp / f"peerless-{key}.log", ready_path="/healthz")
    data_dir = tmp / f"synapse-{key}"
    data_dir.mkdir()
    syn = SynapseServer(python, data_dir, engine["synapse_db"], tmp / f"synapse-{key}.log")
    pg_peerless, pg_synapse = s.PgCpu(engine.get("peerless_pg")), s.PgCpu(engine.get("synapse_pg"))
    with app, syn:
        t0 = time.monotonic()
        app.start()
        syn.start()
        started_s = time.monotonic() - t0
        print(f"Peerless on {app.base_url}, Synapse on {syn.base_url} (both up in {started_s:.0f} s); seeding...",
              flush=True)
        t0 = time.monotonic()
        peerless = seed_peerless(h.Client(app.base_url))
        matrix = seed_synapse(syn, h.Client(syn.base_url))
        seed_s = time.monotonic() - t0
        files = {}
        for side, lines in (("peerless", peerless["paths"]), ("synapse", matrix["rooms"])):
            for shape, chosen in (("one", lines[:1]), ("each", lines)):
                files[side, shape] = tmp / f"{side}-{shape}-{key}.txt"
                files[side, shape].write_text("\n".join(chosen) + "\n")
        sides = {
            "peerless": (app, "send_per_thread.lua", peerless["sender"]["token"], 201, pg_peerless),
            "synapse": (syn, "matrix_send.lua", matrix["sender"]["token"], 200, pg_synapse),
        }

        def measure(side: str, shape: str, c: int, seconds: float) -> h.Result:
            server, script, token, expected, pg = sides[side]
            before = pg.ticks()
            result = h.run_wrk(wrk, url=server.base_url, script=script, args=[token, str(files[side, shape])],
                               concurrency=c, duration=seconds, label=side, server=server,
                               expected_status=expected, threads=c)
            result.db_cpu_ms = s.PgCpu.ms(before, pg.ticks()) if pg.dbname else None
            result.shape = shape
            return result

        for side in sides:   # warm-up, not reported: imports, caches, pools, pages
            measure(side, "each", TARGET_CONCURRENCY, warmup)
        results = []
        for shape, c in CASES:
            pair = [measure(side, shape, c, duration) for side in sides]   # back to back: the same machine
            results += pair
            print_rows(pair)
        rss = {"peerless": rss_mb(app), "synapse": rss_mb(syn)}
    return {"engine": engine, "results": results, "rss": rss, "seed_s": seed_s, "started_s": started_s}


# ---------------------------------------------------------------- report

def total_cpu(r: h.Result) -> float:
    return (r.cpu_ms + (r.db_cpu_ms or 0.0)) / r.requests if r.requests else float("nan")


def print_rows(results: list[h.Result]) -> None:
    for r in results:
        db = f" +PG {r.db_cpu_ms / r.requests:.2f}" if r.db_cpu_ms is not None and r.requests else ""
        print(f"{r.label:<9} {SHAPE[r.shape]:<48} c={r.concurrency:<2} {r.requests:>6} req {r.rps:>7.1f}/s "
              f"p50 {r.p50_ms:>7.2f} p99 {r.p99_ms:>7.2f} ms  cpu {r.cpu_ms_per_request:.2f}{db} ms/req  "
              f"unexpected {r.unexpected}", flush=True)


def pairs(results: list[h.Result]) -> list[tuple[str, int, h.Result, h.Result]]:
    out = []
    for shape, c in CASES:
        got = {r.label: r for r in results if r.shape == shape and r.concurrency == c}
        out.append((shape, c, got["peerless"], got["synapse"]))
    return out


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def engine_table(measured: dict) -> list[str]:
    pg = bool(measured["engine"].get("synapse_pg"))
    head = ("| Case | Conc. | Server | Requests | Req/s | p50 ms | p99 ms | Server CPU ms/req |"
            + (" PG CPU ms/req | Total CPU ms/req |" if pg else "") + " Unexpected |")
    rule = "|---|--:|---|--:|--:|--:|--:|--:|" + ("--:|--:|" if pg else "") + "--:|"
    lines = [head, rule]
    for shape, c, *rows in pairs(measured["results"]):
        for r in rows:
            extra = (f" {h.fmt(r.db_cpu_ms / r.requests if r.requests else None, 2)} | {h.fmt(total_cpu(r), 2)} |"
                     if pg else "")
            lines.append(f"| {SHAPE[shape]} | {c} | {'Peerless' if r.label == 'peerless' else 'Synapse'} | "
                         f"{r.requests:,} | {h.fmt(r.rps, 1)} | {h.fmt(r.p50_ms, 2)} | {h.fmt(r.p99_ms, 2)} | "
                         f"{h.fmt(r.cpu_ms_per_request, 2)} |{extra} {r.unexpected} |")
    lines += ["", "| Case | Conc. | Peerless ÷ Synapse req/s | Peerless ÷ Synapse CPU ms/req"
              + (" (server + PG)" if pg else "") + " | Peerless ÷ Synapse p99 |", "|---|--:|--:|--:|--:|"]
    for shape, c, p, syn in pairs(measured["results"]):
        lines.append(f"| {SHAPE[shape]} | {c} | {h.fmt(ratio(p.rps, syn.rps), 2)}× | "
                     f"{h.fmt(ratio(total_cpu(p), total_cpu(syn)), 2)}× | {h.fmt(ratio(p.p99_ms, syn.p99_ms), 2)}× |")
    return lines


def targets_for(measured: dict) -> list[tuple[str, bool, str]]:
    out = []
    for shape, c, p, syn in pairs(measured["results"]):
        if c != TARGET_CONCURRENCY:
            continue
        r = ratio(p.rps, syn.rps) or 0.0
        out.append((f"{measured['engine']['label']}, {SHAPE[shape]}: Peerless send rate >= {TARGET_RATIO:g}x "
                    f"Synapse's at concurrency {TARGET_CONCURRENCY}", r >= TARGET_RATIO,
                    f"{r:.2f}×: {p.rps:,.1f} vs {syn.rps:,.1f} sends/s"))
    return out


def engines(tmp: Path, only_sqlite: bool) -> tuple[list[dict], str]:
    found = [{"key": "sqlite", "label": "SQLite", "peerless_url": f"sqlite:///{tmp / 'peerless.db'}",
              "synapse_db": {"name": "sqlite3", "args": {"database": str(tmp / "synapse.db")}},
              "about": "Peerless: a fresh SQLite database (WAL, synchronous=NORMAL, writers queued on an flock), "
                       "no Redis. Synapse: a fresh SQLite database (`name: sqlite3`: one connection, WAL with "
                       "SQLite's default synchronous=FULL, so an fsync per commit where Peerless's NORMAL has none; "
                       "Synapse calls SQLite unfit for production). Both files on the same ext4 disk. "
                       "PostgreSQL below is the like-for-like engine."}]
    if only_sqlite:
        return found, "PostgreSQL not measured (--only-sqlite)."
    if not (s.pg_available() and s.redis_available()):
        return found, (f"PostgreSQL not measured: PostgreSQL and Redis did not both answer ({s.PG_SERVER}, "
                       f"{s.REDIS_SERVER}); start them with `bash .ci/services.sh start` or set BENCH_PG_URL "
                       "and BENCH_REDIS_URL.")
    found.append({"key": "pg", "label": "PostgreSQL", "peerless_url": f"{s.PG_SERVER}/{PEERLESS_PG_DB}",
                  "peerless_pg": PEERLESS_PG_DB, "synapse_pg": SYNAPSE_PG_DB, "redis": s.redis_url(REDIS_DB),
                  "synapse_db": None,
                  "about": f"The same PostgreSQL server ({s.PG_SERVER.split('@')[-1]}, fsync and synchronous_commit "
                           f"off as `.ci/services.sh` starts it), a fresh database for each: Peerless with Redis "
                           f"(`REDIS_URL`, Socket.IO emits through it) as in the messaging benchmark; Synapse with "
                           f"`psycopg2`, `cp_min: 5`, `cp_max: 10`, no Redis (Synapse uses Redis only between "
                           f"workers). PG CPU ms/req is the CPU of the PostgreSQL backends serving that server's "
                           f"database."})
    return found, ""


def run_bench(quick: bool = False, only_sqlite: bool = False, reinstall: bool = False) -> tuple[str, bool]:
    duration, warmup = (4.0, 1.0) if quick else (10.0, 2.0)
    started, load_start = time.monotonic(), os.getloadavg()[0]
    wrk = h.ensure_wrk()
    python, install_s = ensure_synapse(reinstall)
    tmp = Path(tempfile.mkdtemp(prefix="peerless-bench-synapse-"))
    measured = []
    try:
        chosen, note = engines(tmp, only_sqlite)
        for engine in chosen:
            if engine.get("synapse_pg"):
                with s.pg_database(PEERLESS_PG_DB), synapse_pg_database(SYNAPSE_PG_DB) as synapse_db:
                    engine["synapse_db"] = synapse_db
                    measured.append(measure_engine(engine, tmp, wrk, python, duration, warmup))
            else:
                measured.append(measure_engine(engine, tmp, wrk, python, duration, warmup))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - started

    targets = [t for x in measured for t in targets_for(x)]
    unexpected = sum(r.unexpected for x in measured for r in x["results"])
    print()
    for x in measured:
        print(x["engine"]["label"])
        print_rows(x["results"])
        for shape, c, p, syn in pairs(x["results"]):
            print(f"  {SHAPE[shape]}, c={c}: Peerless/Synapse req/s {ratio(p.rps, syn.rps) or 0:.2f}x, "
                  f"CPU ms/req {ratio(total_cpu(p), total_cpu(syn)) or 0:.2f}x")
    for text, met, value in targets:
        print(f"{text}: {'met' if met else 'not met'} ({value})")
    print(f"{'OK     ' if unexpected == 0 else 'FAILED '}  unexpected statuses / socket errors: {unexpected}")
    print(f"total {elapsed:.0f} s")

    now = datetime.now(timezone.utc)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    gunicorn = " ".join(arg for arg in h.GUNICORN_ARGS if arg not in ("--log-level", "warning"))
    revision = h.git_revision()
    revision = f"`{revision}`" + (" (uncommitted changes in the tree measured too)" if revision.endswith("-dirty") else "")
    install = (f"installed in {install_s:.0f} s this run" if install_s is not None
               else "venv reused from an earlier run")
    lines = [
        "## Message sends: Peerless against Matrix Synapse (issue 15)",
        "",
        f"Run {now:%Y-%m-%d %H:%M} UTC, {'**quick mode**, ' if quick else ''}{duration:g} s per measurement "
        f"after a {warmup:g} s warm-up per server; revision {revision}; Python {platform.python_version()}; "
        f"matrix-synapse {SYNAPSE_VERSION} from PyPI ({install}); {wrk_version}; whole run {elapsed:.0f} s; "
        f"machine load (1-minute average, 2 cores) {load_start:.1f} at the start and {os.getloadavg()[0]:.1f} "
        "at the end. How: `make bench-synapse` (`bench/synapse.py`; not part of `make bench`, since it installs "
        "Synapse into a venv of its own under /tmp/peerless-bench).",
        "",
        f"- Peerless: `gunicorn {gunicorn}` on 127.0.0.1, the settings of the other benchmarks (production mode, "
        "rate limits off). Sender A connected to 8 peers (8 direct conversations). Each request is "
        "`POST /api/v1/conversations/{id}/messages` with a fresh `client_msg_id` (answer 201).",
        "- Synapse: one monolith process (`python -m synapse.app.homeserver`, its default and only way to run "
        "without workers) on 127.0.0.1, client listener only, presence, metrics and URL previews off, logging "
        "at WARNING, every `rc_*` rate limit out of reach plus an admin `override_ratelimit` for the sender. "
        "Users registered through the shared-secret admin API; A in 8 direct rooms (`trusted_private_chat`, "
        "peer invited and joined). Each request is `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/"
        "{txnId}` with a fresh txnId (answer 200). Per send Synapse also builds, signs and hashes the event, "
        "checks auth rules against the room state and evaluates the peer's push rules; Peerless checks "
        "membership, blocks and the connection, and writes the change stream, inbox and push outbox rows.",
        "- wrk with as many threads as connections (the Lua scripts `bench/wrk/send_per_thread.lua` and "
        "`bench/wrk/matrix_send.lua` give each thread its conversation / room), closed loop, keep-alive. "
        f"“{SHAPE['one']}”: every connection writes to the same one; “{SHAPE['each']}”: each connection "
        "to its own. For each case Peerless and then Synapse are measured back to back.",
        "- Server CPU ms/req: utime+stime of the server's processes (gunicorn master and workers; the Synapse "
        "process) from /proc over the run, divided by the requests served. Ratios are Peerless ÷ Synapse: "
        "above 1 for req/s, below 1 for CPU and p99 favour Peerless.",
        "- Reading: the machine's 2 cores are shared with other work, so absolute rates and even CPU per request "
        "move with its load (CPU time per request grows on a busy machine); compare the two servers within a run. "
        "At concurrency 8 both are CPU-bound, so the ratio of send rates follows the inverse ratio of CPU per "
        "send: a send rate 10× Synapse's needs a Peerless send at about a tenth of Synapse's CPU. Synapse runs as "
        "one process (one Twisted reactor, one GIL: one core at most), Peerless as two gunicorn workers, which on "
        "a quiet machine can give Peerless up to twice that.",
        "",
    ]
    for x in measured:
        lines += [f"### {x['engine']['label']}", "", x["engine"]["about"], "", *engine_table(x), "",
                  f"- Both servers up in {x['started_s']:.0f} s (Synapse creates its schema on first start); "
                  f"seeded in {x['seed_s']:.0f} s. Resident memory after the load: Peerless (master and 2 "
                  f"workers) {x['rss']['peerless']:.0f} MB, Synapse {x['rss']['synapse']:.0f} MB.", ""]
    if note:
        lines += [note, ""]
    lines += ["Target (issue 15):", "",
              *(f"- {text}: **{'met' if met else 'not met'}** ({value})." for text, met, value in targets),
              "", f"Checks: {unexpected} unexpected statuses or socket errors under wrk."]
    return "\n".join(lines), all(met for _t, met, _v in targets) and unexpected == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 s per measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--only-sqlite", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--reinstall", action="store_true", help="install Synapse's venv afresh")
    args = parser.parse_args(argv)
    try:
        section, _ok = run_bench(quick=args.quick, only_sqlite=args.only_sqlite, reinstall=args.reinstall)
    except KeyboardInterrupt:   # the finally blocks have stopped every server and dropped the databases
        print("\ninterrupted: servers stopped, nothing written", file=sys.stderr)
        return 130
    if not args.no_write:
        h.update_doc({SECTION: section})
        print(f"wrote the {SECTION} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
