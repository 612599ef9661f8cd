"""Fault and load test (issue 9): phones send messages through two API processes while one API process
and one push worker are killed with SIGKILL and restarted; afterwards nothing acknowledged may be lost,
duplicated or left without its push.

    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... \\
        .venv/bin/python bench/fault_load.py [--duration 45] [--soak] [--write-doc]      (`make fault`, `make soak`)

On 127.0.0.1: a fresh PostgreSQL database of its own (`peerless_fault`, on the server of DATABASE_URL), its
own Redis database number (FAULT_REDIS_DB of the server in REDIS_URL, flushed before and after), two gunicorn
API processes, two `flask push-worker` processes and a fake FCM (a subprocess of this script, the `fake-fcm`
subcommand) that records every push it receives. The push workers run the real firebase-admin with a
service-account file whose token_uri points at the fake, and FCM_ENDPOINT at the same fake.

Phones are threads, one per seeded person. Each sends messages with a fresh client_msg_id to either API
process at random; a connection error, timeout or 5xx is retried with the SAME client_msg_id on the other
process, and now and then a success is replayed (the phone "did not see" the answer) and must come back
200 with the same message. Chaos: the whole process group of one API process and of one push worker gets
SIGKILL at a random moment, and is restarted a moment later.

Checks, after the outbox has drained (bench/_fault_checks.py, unit-tested by tests/test_fault_verifier.py):
- every acknowledged message exists exactly once (conversation, sender, client_msg_id), with its id and seq;
- seqs in each conversation are 1..n without gaps, and `conversations.last_seq` = n;
- each device of each other member got at least one push per message; duplicates are counted and reported,
  and allowed only from outbox rows sent again after a killed worker's lease ran out;
- no push is left pending or dead-lettered;
- no request failed (5xx, connection error, timeout, unexpected 4xx) except requests in flight on a process
  at the moment it was killed, or sent to it while it was down and restarting.
Exit status 0 only when every check passes. Everything is bounded by a wall-clock limit; every process is
started in its own session and killed in `finally`.

Not a benchmark for run_all.py (no NAME): it checks correctness under faults; `--soak` adds memory
(RSS per process) and latency (p50/p95/p99 per interval) over a longer run.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402
from _fault_checks import (  # noqa: E402
    Ack, Attempt, MessageRow, Outage, PushCheck, expected_pushes, latency_by_interval, unexcused_failures,
    unexplained_duplicates, verify_messages, verify_pushes,
)

DB_NAME = "peerless_fault"
FAULT_REDIS_DB = 11          # a Redis database number of our own on the shared server
PEOPLE = 20                  # ten pairs; the first six also share a circle
CIRCLE_SIZE = 6
MAX_ATTEMPTS = 6             # per message: the first try plus retries alternating between the processes
REQUEST_TIMEOUT = 20.0       # a healthy process slower than this fails the test, even on a busy machine
REPLAY_PROBABILITY = 0.05    # resend a message that already succeeded
FCM_LATENCY = 0.1            # seconds the fake FCM takes to answer a send
LEASE_SECONDS = 30           # the workers' PUSH_LEASE_SECONDS (production: 120): a killed worker's rows wait this long
WORDS = ("morning", "tired", "walk", "garden", "tea", "rain", "better", "appointment", "sleep", "coffee",
         "music", "friend", "slowly", "today", "weekend", "kind", "laugh", "quiet", "book", "sunny")


# ---------------------------------------------------------------- the fake FCM (a subprocess)

def serve_fake_fcm(port: int, record: Path) -> None:
    """FCM v1 send + OAuth token endpoint; appends {"token", "type", "message_id"} per push to `record`.

    Answers after FCM_LATENCY, as the real FCM is some way off, and closes every connection after answering,
    so a worker holds a connection to it only while it has a batch out (what Chaos looks for).
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()
    out = open(record, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/token":
                self.reply({"access_token": "fault-test", "expires_in": 3600, "token_type": "Bearer"})
                return
            message = json.loads(raw)["message"]
            data = message.get("data") or {}
            with lock:
                out.write(json.dumps({"token": message.get("token"), "type": data.get("type"),
                                      "message_id": data.get("message_id")}) + "\n")
            time.sleep(FCM_LATENCY)
            self.reply({"name": f"projects/demo/messages/{uuid.uuid4().hex}"})

        def reply(self, body: dict) -> None:
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # quiet
            pass

    ThreadingHTTPServer.request_queue_size = 1024   # send_each opens up to 500 connections at once
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    out.close()


def read_pushes(record: Path) -> collections.Counter:
    """(token, message id) -> times pushed, for message pushes only."""
    received: collections.Counter = collections.Counter()
    for line in record.read_text().splitlines():
        push = json.loads(line)
        if push["type"] == "message":
            received[(push["token"], push["message_id"])] += 1
    return received


def write_service_account(path: Path, fcm_port: int) -> None:
    """A service-account file with a fresh local key whose token_uri is the fake (FIREBASE.md §1)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "demo", "private_key_id": "fault", "private_key": pem,
        "client_email": "fault@demo.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"http://127.0.0.1:{fcm_port}/token",
    }))


# ---------------------------------------------------------------- processes

def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Proc:
    """A command in its own session (so SIGKILL of the group reaches every child), restartable."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path, port: int | None = None):
        self.name, self.command, self.env, self.port = name, command, env, port
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "Proc":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command, cwd=h.ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """API processes: until /readyz answers 200 (the restarted process serves again)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole group: the master and its workers die at once, as in a crash."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self.proc = None

    def rss_mb(self) -> float:
        """Resident memory of the serving process: gunicorn's largest worker (the master's pages are shared
        with it after fork, so a sum would count them twice), else the process itself."""
        if self.proc is None:
            return 0.0
        children = h._children(self.proc.pid)
        return max(_rss_kb(pid) for pid in children or [self.proc.pid]) / 1024

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def gunicorn_command(port: int) -> list[str]:
    """The deployment's gunicorn config when it exists (issue 9), else one gthread worker per process."""
    base = [str(h.GUNICORN), "-b", f"127.0.0.1:{port}"]
    if (h.ROOT / "api" / "gunicorn_config.py").exists():
        return [*base, "-c", str(h.ROOT / "api" / "gunicorn_config.py"), "wsgi:app"]
    return [*base, "-w", "1", "-k", "gthread", "--threads", "32", "--log-level", "warning", "wsgi:app"]


def own_database_url(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    return url.set(database=DB_NAME).render_as_string(hide_password=False)


def own_redis_url(redis_url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    return urlunsplit(parts._replace(path=f"/{FAULT_REDIS_DB}"))


def libpq(url: str) -> str:
    return url.replace("+psycopg", "", 1)


def recreate_database(database_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = libpq(make_url(database_url).set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database(database_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = libpq(make_url(database_url).set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


# ---------------------------------------------------------------- seeding through the API

def seed(client: h.Client, db_url: str, rng: random.Random) -> list[dict]:
    """PEOPLE people with 0-2 devices each, paired by accepted connections; the first CIRCLE_SIZE share a circle."""
    import psycopg

    people = []
    for i in range(PEOPLE):
        suffix = uuid.uuid4().hex[:10]
        out = client.call("POST", "/api/v1/auth/register", {
            "email": f"fault-{i}-{suffix}@example.com", "password": f"fault-pass-{suffix}-Zq8!",
            "display_name": f"Phone {i}", "birth_year": 1980, "accept_terms": True, "consent_health_data": True})
        person = {"i": i, "id": out["user"]["id"], "token": out["access_token"], "conversations": []}
        for d in range(2 - i % 2 if i != PEOPLE - 1 else 0):   # two, one, ...; the last has none
            client.call("POST", "/api/v1/devices", {"token": f"fault-{i}-{d}-{uuid.uuid4().hex}",
                                                     "platform": ("android", "ios")[d]}, token=person["token"])
        people.append(person)
    for a, b in zip(people[0::2], people[1::2]):
        request = client.call("POST", "/api/v1/connections", {"user_id": b["id"]}, token=a["token"])
        accepted = client.call("POST", f"/api/v1/connections/{request['id']}/accept", token=b["token"])
        a["conversations"].append(accepted["conversation_id"])
        b["conversations"].append(accepted["conversation_id"])
    host = people[0]
    with psycopg.connect(libpq(db_url), autocommit=True) as conn:   # only staff and mentors open circles
        conn.execute("INSERT INTO user_roles (user_id, role, granted_at) VALUES (%s, 'moderator', now())",
                     (host["id"],))
    group = client.call("POST", "/api/v1/groups", {"name": "Fault circle", "description": "load test",
                                                   "visibility": "public"}, token=host["token"])
    host["conversations"].append(group["conversation_id"])
    for person in people[1:CIRCLE_SIZE]:
        client.call("POST", f"/api/v1/groups/{group['id']}/join", token=person["token"])
        person["conversations"].append(group["conversation_id"])
    return people


# ---------------------------------------------------------------- phones

class Phones:
    """One thread per person sending messages; every request is recorded as an Attempt."""

    def __init__(self, people: list[dict], ports: dict[str, int], seed_value: int, think: float):
        self.people, self.ports, self.think = people, ports, think
        self.seed_value = seed_value
        self.attempts: list[Attempt] = []
        self.acks: list[Ack] = []
        self.problems: list[str] = []           # idempotency answers that contradict the first one; crashes
        self.abandoned: list[str] = []          # client_msg_ids given up after MAX_ATTEMPTS tries
        self.replayed: list[str] = []           # (lists: append is atomic across threads, += on an int is not)
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for person in self.people:
            thread = threading.Thread(target=self._phone, args=(person,), name=f"phone-{person['i']}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _phone(self, person: dict) -> None:
        try:
            self._send_until_stopped(person)
        except Exception as error:  # noqa: BLE001 - a phone that died quietly would make the test weaker
            self.problems.append(f"phone {person['i']} crashed: {type(error).__name__}: {error}")

    def _send_until_stopped(self, person: dict) -> None:
        rng = random.Random(self.seed_value * 1000 + person["i"])
        while not self.stop.is_set():
            conversation_id = rng.choice(person["conversations"])
            client_msg_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))
            answer = self._send(person, conversation_id, client_msg_id, body, rng)
            if answer is not None and answer[0] in (200, 201):
                first = Ack(conversation_id, person["id"], client_msg_id, answer[1]["id"], answer[1]["seq"])
                self.acks.append(first)
                if rng.random() < REPLAY_PROBABILITY:
                    self._replay(person, first, body, rng)
            if self.think:
                time.sleep(rng.uniform(0, self.think))

    def _replay(self, person: dict, first: Ack, body: str, rng: random.Random) -> None:
        """The phone resends what already succeeded: the same message must come back, with 200."""
        self.replayed.append(first.client_msg_id)
        answer = self._send(person, first.conversation_id, first.client_msg_id, body, rng)
        if answer is None:
            return
        status, message = answer
        if status != 200 or message.get("id") != first.message_id or message.get("seq") != first.seq:
            self.problems.append(f"replay of {first.client_msg_id} answered {status} {message.get('id')} "
                                 f"seq {message.get('seq')}, first answer was {first.message_id} seq {first.seq}")

    def _send(self, person: dict, conversation_id: str, client_msg_id: str, body: str,
              rng: random.Random) -> tuple[int, dict] | None:
        """POST with retries on the other process; the final (status, json) or None if every try failed."""
        names = list(self.ports)
        instance = rng.choice(names)
        payload = json.dumps({"client_msg_id": client_msg_id, "body": body})
        for attempt in range(MAX_ATTEMPTS):
            status, data = self._post(instance, f"/api/v1/conversations/{conversation_id}/messages", payload,
                                      person["token"])
            if isinstance(status, int) and status < 500:
                return status, data         # 2xx, or a 4xx (recorded as an unexcused failure, never retried)
            instance = names[(names.index(instance) + 1) % len(names)]
            time.sleep(0.05 * (attempt + 1) + rng.uniform(0, 0.05))
        self.abandoned.append(client_msg_id)
        return None

    def _post(self, instance: str, path: str, payload: str, token: str) -> tuple[int | str, dict]:
        started = time.monotonic()
        outcome: int | str
        data: dict = {}
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[instance], timeout=REQUEST_TIMEOUT)
        try:
            # A fresh connection per request: a failure then belongs to exactly one request.
            conn.request("POST", path, body=payload, headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "close"})
            response = conn.getresponse()
            raw = response.read()
            outcome = response.status
            if raw:
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = {}
        except ConnectionRefusedError:
            outcome = "refused"
        except (ConnectionResetError, BrokenPipeError, http.client.HTTPException):  # cut off mid-request
            outcome = "reset"
        except (TimeoutError, socket.timeout):
            outcome = "timeout"
        except OSError as error:
            outcome = f"error:{type(error).__name__}"
        finally:
            conn.close()
        self.attempts.append(Attempt(instance, started, time.monotonic(), outcome))
        return outcome, data


# ---------------------------------------------------------------- chaos and sampling

class Chaos:
    """Kill one API process (chosen at random) and one push worker (the one that seems to be sending) at random
    moments; restart each."""

    def __init__(self, apis: dict[str, Proc], workers: dict[str, Proc], duration: float, rng: random.Random,
                 db_url: str, fcm_port: int):
        self.apis, self.workers, self.rng, self.db_url, self.fcm_port = apis, workers, rng, db_url, fcm_port
        self.stranded: list[int] = []   # per worker kill: rows it had claimed and not settled
        # The worker early: its claimed rows wait out the lease (LEASE_SECONDS) before another worker sends them.
        self.plan = sorted([
            (rng.uniform(0.05, 0.15) * duration, "worker", ""),   # which one: decided at that moment
            (rng.uniform(0.3, 0.6) * duration, "api", rng.choice(sorted(apis))),
        ])
        self.outages: list[Outage] = []
        self.worker_kills: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, name="chaos", daemon=True)

    def start(self, t0: float) -> None:
        self.t0 = t0
        self.thread.start()

    def _run(self) -> None:
        try:
            for at, kind, name in self.plan:
                time.sleep(max(0.0, self.t0 + at - time.monotonic()))
                if kind == "worker":
                    self._kill_worker(name)
                else:
                    self._kill_api(name)
        except Exception as error:  # noqa: BLE001 - reported as a violation by the main thread
            self.errors.append(f"chaos: {type(error).__name__}: {error}")

    def _kill_api(self, name: str) -> None:
        proc = self.apis[name]
        killed_at = time.monotonic()
        proc.kill()
        print(f"  [{killed_at - self.t0:6.1f}s] SIGKILL {name} (pid {proc.proc.pid})", flush=True)
        self.outages.append(Outage(name, killed_at, None))
        time.sleep(self.rng.uniform(1.0, 3.0))
        proc.start().wait_ready()
        self.outages[-1] = Outage(name, killed_at, time.monotonic())
        print(f"  [{time.monotonic() - self.t0:6.1f}s] {name} restarted and ready (pid {proc.proc.pid})", flush=True)

    def _kill_worker(self, _name: str) -> None:
        name = self._sending_worker(within=5.0)
        proc = self.workers[name]
        killed_at, killed_wall = time.monotonic(), time.time()
        proc.kill()
        self.worker_kills.append((name, killed_at))
        print(f"  [{killed_at - self.t0:6.1f}s] SIGKILL {name} (pid {proc.proc.pid})", flush=True)
        time.sleep(self.rng.uniform(1.0, 3.0))
        proc.start()
        print(f"  [{time.monotonic() - self.t0:6.1f}s] {name} restarted (pid {proc.proc.pid})", flush=True)
        # The surviving worker settles its own batches within a second or two; what is still claimed
        # later was claimed by the dead one and waits out its lease.
        time.sleep(max(0.0, killed_at + 5 - time.monotonic()))
        self.stranded.append(claimed_rows(self.db_url, claimed_before=killed_wall))


    def _sending_worker(self, within: float) -> str:
        """A worker caught with a connection open to the fake FCM, i.e. with a claimed batch out (the fake closes
        every connection after answering, so idle workers hold none); a random one if none is caught in time."""
        until = time.monotonic() + within
        while time.monotonic() < until:
            busy = sorted(name for name, proc in self.workers.items() if _connected_to(proc, self.fcm_port))
            if busy:
                return self.rng.choice(busy)
            time.sleep(0.002)
        return self.rng.choice(sorted(self.workers))


def _connected_to(proc: Proc, port: int) -> bool:
    """Whether `proc` has an established TCP connection to 127.0.0.1:port (from /proc, no tools needed)."""
    if proc.proc is None:
        return False
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{proc.proc.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{proc.proc.pid}/fd/{fd}")
            except OSError:   # closed meanwhile
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    for line in table:
        fields = line.split()   # sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        if fields[3] == "01" and int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
            return True
    return False


class Sampler:
    """RSS of every process each `interval` seconds (the soak's memory over time)."""

    def __init__(self, procs: dict[str, Proc], interval: float):
        self.procs, self.interval = procs, interval
        self.samples: list[dict] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self, t0: float) -> None:
        self.t0 = t0
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self.samples.append({"t": time.monotonic() - self.t0,
                                 **{name: proc.rss_mb() for name, proc in self.procs.items()}})


# ---------------------------------------------------------------- after the load: drain and verify

def claimed_rows(db_url: str, claimed_before: float) -> int:
    """Pending rows under a live lease taken before `claimed_before` (epoch seconds)."""
    import psycopg

    # A lease is taken for LEASE_SECONDS: the row was claimed at claimed_until - lease.
    with psycopg.connect(libpq(db_url)) as conn:
        return conn.execute(
            "SELECT count(*) FROM push_outbox WHERE status = 'pending' AND claimed_until > now() "
            "AND claimed_until <= to_timestamp(%s) + make_interval(secs => %s)",
            (claimed_before, LEASE_SECONDS)).fetchone()[0]


def outbox_pending(db_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(libpq(db_url)) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM push_outbox GROUP BY status").fetchall())


def wait_for_drain(db_url: str, deadline: float) -> dict[str, int]:
    """Poll the outbox until nothing is pending (bounded)."""
    while True:
        statuses = outbox_pending(db_url)
        if not statuses.get("pending") or time.monotonic() >= deadline:
            return statuses
        time.sleep(1.0)


def load_state(db_url: str) -> tuple[list[MessageRow], dict[str, int], dict[str, set[str]], dict[str, list[str]]]:
    import psycopg

    with psycopg.connect(libpq(db_url)) as conn:
        rows = [MessageRow(*map(_plain, r)) for r in conn.execute(
            "SELECT id, conversation_id, sender_id, client_msg_id, seq FROM messages")]
        last_seqs = {str(c): s for c, s in conn.execute("SELECT id, last_seq FROM conversations")}
        members: dict[str, set[str]] = collections.defaultdict(set)
        for conversation_id, user_id in conn.execute(
                "SELECT conversation_id, user_id FROM conversation_members WHERE left_at IS NULL"):
            members[str(conversation_id)].add(str(user_id))
        tokens: dict[str, list[str]] = collections.defaultdict(list)
        for user_id, token in conn.execute("SELECT user_id, token FROM devices"):
            tokens[str(user_id)].append(token)
    return rows, last_seqs, members, tokens


def retried_rows(db_url: str) -> set[tuple[str, str]]:
    """(user id, message id) of message pushes whose outbox row was claimed more than once."""
    import psycopg

    with psycopg.connect(libpq(db_url)) as conn:
        return {(str(user_id), message_id) for user_id, message_id in conn.execute(
            "SELECT o.user_id, n.data->>'message_id' FROM push_outbox o "
            "JOIN notifications n ON n.id = o.notification_id WHERE n.type = 'message' AND o.attempts > 1")}


def _plain(value):
    return value if isinstance(value, (int, str)) else str(value)


# ---------------------------------------------------------------- the run

@dataclass
class Report:
    seconds: float
    duration: float
    acks: int
    messages: int
    attempts: int
    failures_excused: int
    failures: list[Attempt]
    gave_up: int
    replays: int
    outages: list[Outage]
    worker_kills: list[tuple[str, float]]
    stranded: list[int]
    pushes: PushCheck
    outbox: dict[str, int]
    problems: list[str]
    latency: list[dict]
    memory: list[dict]
    restarted: set[str]
    t0: float
    drain_seconds: float
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)   # others share the machine
    revision: str = field(default_factory=h.git_revision)

    @property
    def ok(self) -> bool:
        return not self.problems


def run(duration: float, *, seed_value: int, interval: float, think: float, limit: float) -> Report:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgresql") or not redis_url.startswith("redis"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL, e.g. after `bash .ci/services.sh start`")
    db_url, own_redis = own_database_url(database_url), own_redis_url(redis_url)
    rng = random.Random(seed_value)
    run_dir = Path(tempfile.mkdtemp(prefix="peerless-fault-"))
    procs: list[Proc] = []   # everything started, stopped in `finally` whatever happens
    started = time.monotonic()
    ok = False
    try:
        print(f"database {DB_NAME}, redis db {FAULT_REDIS_DB}, logs in {run_dir}", flush=True)
        recreate_database(database_url)
        flush_redis(own_redis)
        h.migrate(db_url, run_dir / "migrate.log")
        fcm, record = start_fake_fcm(run_dir, procs)
        env = server_env(db_url, own_redis)
        apis = start_apis(env, run_dir, procs)
        people = seed(h.Client(f"http://127.0.0.1:{apis['api-a'].port}"), db_url, rng)
        workers = start_workers(env, run_dir, fcm.port, procs)
        print(f"setup {time.monotonic() - started:.1f}s: {len(people)} phones, "
              f"{len({c for p in people for c in p['conversations']})} conversations; load for {duration:.0f}s",
              flush=True)

        phones = Phones(people, {name: p.port for name, p in apis.items()}, seed_value, think)
        chaos = Chaos(apis, workers, duration, rng, db_url, fcm.port)
        sampler = Sampler({**apis, **workers}, interval)
        t0 = time.monotonic()
        phones.start()
        chaos.start(t0)
        sampler.start(t0)
        time.sleep(duration)
        phones.join(REQUEST_TIMEOUT * MAX_ATTEMPTS)
        chaos.thread.join(60)
        sampler.stop.set()
        load_end = time.monotonic()

        # A killed worker's claimed rows come back only when their lease ends.
        last_worker_kill = max((at for _, at in chaos.worker_kills), default=t0)
        drain_deadline = min(started + limit - 20, max(load_end + 30, last_worker_kill + LEASE_SECONDS + 30))
        print(f"load done: {len(phones.acks)} acknowledged; waiting for the outbox "
              f"(at most {drain_deadline - time.monotonic():.0f}s)", flush=True)
        outbox = wait_for_drain(db_url, drain_deadline)
        drain_seconds = time.monotonic() - load_end
        time.sleep(1.0)  # the last batch's HTTP requests are recorded before their rows are settled
        fcm.stop()

        found = find_problems(db_url, phones, chaos, outbox, read_pushes(record))
        report = Report(
            seconds=time.monotonic() - started, duration=duration, acks=len(phones.acks),
            messages=found.stored, attempts=len(phones.attempts),
            failures_excused=sum(1 for a in phones.attempts if not a.ok) - len(found.failures),
            failures=found.failures,
            gave_up=len(phones.abandoned), replays=len(phones.replayed), outages=chaos.outages,
            worker_kills=chaos.worker_kills, stranded=chaos.stranded, pushes=found.pushes, outbox=outbox,
            problems=found.problems, latency=latency_by_interval(phones.attempts, t0, interval),
            memory=sampler.samples, restarted={p.name for p in procs if p.starts > 1}, t0=t0,
            drain_seconds=drain_seconds)
        ok = report.ok
        return report
    finally:
        for proc in reversed(procs):
            proc.stop()
        if ok:
            drop_database(database_url)
            flush_redis(own_redis)
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            for proc in procs:
                tail = proc.log_tail(15)
                if tail:
                    print(f"--- {proc.name} log tail ---\n{tail}", file=sys.stderr)
            print(f"kept database {DB_NAME} and logs in {run_dir} for inspection", file=sys.stderr)


def start_fake_fcm(run_dir: Path, procs: list[Proc]) -> tuple[Proc, Path]:
    record = run_dir / "fcm-pushes.jsonl"
    record.touch()
    port = h.free_port()
    fcm = Proc("fake-fcm", [sys.executable, str(Path(__file__).resolve()), "fake-fcm", str(port), str(record)],
               dict(os.environ), run_dir, port=port)
    procs.append(fcm.start())
    write_service_account(run_dir / "service-account.json", port)
    return fcm, record


def server_env(db_url: str, redis_url: str) -> dict[str, str]:
    """Production mode with Redis-backed rate limits left on, set far above what the phones send."""
    return h.app_env(db_url, REDIS_URL=redis_url, RATELIMIT_ENABLED="true", ACCESS_TOKEN_SECONDS="86400",
                     AUTH_RATE_LIMIT="100000 per minute", REGISTER_RATE_LIMIT_PER_IP="100000 per minute",
                     LOGIN_RATE_LIMIT_PER_IP="100000 per minute", MESSAGE_RATE_LIMIT="1000000 per minute",
                     MESSAGE_RATE_LIMIT_PER_IP="1000000 per minute", REQUEST_RATE_LIMIT="100000 per minute",
                     REQUEST_RATE_LIMIT_PER_IP="100000 per minute", PUSH_WORKER_IN_PROCESS="false")


def start_apis(env: dict[str, str], run_dir: Path, procs: list[Proc]) -> dict[str, Proc]:
    apis = {}
    for name in ("api-a", "api-b"):
        port = h.free_port()
        apis[name] = Proc(name, gunicorn_command(port), env, run_dir, port=port)
        procs.append(apis[name].start())
    for proc in apis.values():
        proc.wait_ready()
    return apis


def push_workers(env: dict[str, str], run_dir: Path, fcm_port: int) -> dict[str, Proc]:
    worker_env = {**env, "FIREBASE_CREDENTIALS": str(run_dir / "service-account.json"),
                  "FCM_ENDPOINT": f"http://127.0.0.1:{fcm_port}", "PUSH_LEASE_SECONDS": str(LEASE_SECONDS)}
    return {name: Proc(name, [str(h.FLASK), "--app", "wsgi", "push-worker", "--interval", "0.5"], worker_env, run_dir)
            for name in ("worker-1", "worker-2")}


def start_workers(env: dict[str, str], run_dir: Path, fcm_port: int, procs: list[Proc]) -> dict[str, Proc]:
    workers = push_workers(env, run_dir, fcm_port)
    procs += [w.start() for w in workers.values()]
    return workers


@dataclass
class Findings:
    problems: list[str]      # every violation, in words
    pushes: PushCheck
    failures: list[Attempt]  # requests failed outside a kill
    stored: int              # messages in the database


def find_problems(db_url: str, phones: Phones, chaos: Chaos, outbox: dict[str, int],
                  received: collections.Counter) -> Findings:
    rows, last_seqs, members, tokens = load_state(db_url)
    problems = verify_messages(phones.acks, rows, last_seqs) + phones.problems + chaos.errors
    pushes = verify_pushes(expected_pushes(rows, members, tokens), received)
    owners = {token: user_id for user_id, user_tokens in tokens.items() for token in user_tokens}
    unexplained = unexplained_duplicates(received, owners, retried_rows(db_url))
    failures = unexcused_failures(phones.attempts, chaos.outages)
    if pushes.missing:
        problems.append(f"{len(pushes.missing)} pushes missing, e.g. {pushes.missing[:3]}")
    if pushes.unexpected:
        problems.append(f"{len(pushes.unexpected)} unexpected pushes, e.g. {pushes.unexpected[:3]}")
    if unexplained:
        problems.append(f"{len(unexplained)} duplicated pushes from outbox rows claimed only once, "
                        f"e.g. {unexplained[:3]}")
    if outbox.get("pending") or outbox.get("dead"):
        problems.append(f"outbox not drained: {outbox}")
    if failures:
        problems.append(f"{len(failures)} requests failed outside a kill: "
                        f"{collections.Counter(a.outcome for a in failures).most_common()}")
    if not chaos.outages or not chaos.worker_kills:
        problems.append("the chaos did not kill an API process and a worker")
    if not phones.acks or not pushes.expected:   # an empty check would pass whatever happened
        problems.append(f"nothing to check: {len(phones.acks)} messages acknowledged, "
                        f"{pushes.expected} pushes expected")
    return Findings(problems, pushes, failures, len(rows))


# ---------------------------------------------------------------- output

def format_report(r: Report, soak: bool) -> str:
    kills = [f"{o.instance} at {o.killed_at - r.t0:.1f}s (back after "
             f"{(o.ready_at - o.killed_at) if o.ready_at else float('nan'):.1f}s)" for o in r.outages]
    kills += [f"{name} at {at - r.t0:.1f}s ({stranded} outbox rows claimed before the kill and still unsettled "
              f"5 s later, left for the lease to run out)" for (name, at), stranded in zip(r.worker_kills, r.stranded)]
    lines = [
        f"Fault test ({'soak' if soak else 'bounded'}), revision {r.revision}: {r.duration:.0f}s of load, "
        f"{r.seconds:.0f}s in all; machine load average at the end {r.load_average[0]:.1f} on "
        f"{os.cpu_count()} cores. Verdict: **{'PASS' if r.ok else 'FAIL'}**.",
        "",
        f"- Killed with SIGKILL and restarted: {'; '.join(kills) or 'nothing'}.",
        f"- Messages acknowledged (2xx): {r.acks:,}; stored: {r.messages:,}; replays of an acknowledged "
        f"message: {r.replays}; messages given up after {MAX_ATTEMPTS} tries: {r.gave_up}.",
        f"- Requests: {r.attempts:,}; failed but excused (in flight on, or sent to, a killed process): "
        f"{r.failures_excused}; failed otherwise: {len(r.failures)}.",
        f"- Pushes expected (device × message): {r.pushes.expected:,}; missing: {len(r.pushes.missing)}; "
        f"duplicates: {r.pushes.duplicates} over {r.pushes.duplicated_pairs} device × message pairs (allowed only "
        f"from rows sent again after a killed worker's lease ran out); "
        f"outbox after {r.drain_seconds:.0f}s of draining: {r.outbox}.",
    ]
    if r.problems:
        lines += ["", "Violations:", *[f"- {p}" for p in r.problems]]
    lines += ["", "| until | sends ok | p50 ms | p95 ms | p99 ms |", "|--:|--:|--:|--:|--:|"]
    lines += [f"| {row['t']:.0f} s | {row['n']:,} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} |"
              for row in r.latency]
    if r.memory:
        names = [k for k in r.memory[0] if k != "t"]
        lines += ["", "Resident memory (MB; for an API process its gunicorn worker; a restarted process starts "
                      "afresh):", "", "| at | " + " | ".join(names) + " |", "|--:|" + "--:|" * len(names)]
        lines += ["| " + f"{s['t']:.0f} s | " + " | ".join(f"{s[n]:.0f}" for n in names) + " |" for s in r.memory]
        steady = [n for n in names if n not in r.restarted]
        if len(r.memory) >= 3 and steady:   # from the second sample: the first still includes warm-up
            drift = ", ".join(f"{n} {round(r.memory[-1][n] - r.memory[1][n]):+d} MB" for n in steady)
            lines += ["", f"Drift from {r.memory[1]['t']:.0f} s to {r.memory[-1]['t']:.0f} s in the processes "
                          f"never restarted: {drift}."]
    return "\n".join(lines)


DOC_NOTE = """How: `make fault` (bounded, run by `.ci/run` after the PostgreSQL + Redis tests) or `make soak`
(longer; rewrites the soak section), i.e. `bench/fault_load.py`. Two gunicorn API processes
(`api/gunicorn_config.py`) and two `flask push-worker` processes on PostgreSQL and Redis, a fake FCM that
records every push, twenty phones (ten direct pairs and a six-person circle; devices: two, one or none)
sending with retries of the same `client_msg_id` on the other process, and now and then a replay of a
message that already succeeded (it must come back 200, same id and seq). One API process and one worker are
SIGKILLed (the whole process group) and restarted; the worker is one caught with a batch out (a connection
open to the fake FCM, which answers after {latency:.0f} ms and closes every connection), so it dies holding
claimed rows. Those rows wait until their lease ends ({lease} s) and are then sent by the other worker,
which is why the bounded run kills the worker early and waits for the outbox to drain.

Rules (checked by `bench/_fault_checks.py`, whose own tests feed it lost, duplicated and renumbered
messages): each phone request uses a fresh connection, so a failure belongs to one request; a failure
(5xx, reset, refused, timeout, any 4xx) is excused only if that process was killed while the request was in
flight or the request was sent between the kill and the restarted process answering `/readyz`. A duplicated
push is allowed only from an outbox row claimed more than once (its first worker was killed after FCM took
the batch and before the results were recorded): delivery is at least once by design.
Latencies are measured by Python threads in the driver process, on the same 2 shared cores as the servers
and other people's work (see the load average): they include client overhead and are for trends, not for
targets (those are in the sections above)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["fake-fcm"]:
        serve_fake_fcm(int(argv[1]), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, help="seconds of load (default 45, or 600 with --soak)")
    parser.add_argument("--soak", action="store_true", help="longer run; memory and latency over time")
    parser.add_argument("--interval", type=float, help="seconds per latency/memory row (default 10, 60 with --soak)")
    parser.add_argument("--think", type=float, default=0.05, help="max pause between a phone's sends (s)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="random seed (printed)")
    parser.add_argument("--write-doc", action="store_true", help="write the result into docs/performance.md")
    args = parser.parse_args(argv)
    duration = args.duration or (600.0 if args.soak else 45.0)
    interval = args.interval or (60.0 if args.soak else 10.0)
    limit = duration + LEASE_SECONDS + 150     # setup, the lease of a killed worker's rows, checks
    print(f"seed {args.seed}; wall-clock limit {limit:.0f}s", flush=True)

    def overtime(*_):
        raise TimeoutError(f"fault test exceeded its {limit:.0f}s wall-clock limit")
    signal.signal(signal.SIGALRM, overtime)
    signal.alarm(int(limit))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # run `finally`: no orphan processes
    try:
        report = run(duration, seed_value=args.seed, interval=interval, think=args.think, limit=limit)
    finally:
        signal.alarm(0)
    text = format_report(report, args.soak)
    print("\n" + text, flush=True)
    if args.write_doc:
        name = "soak" if args.soak else "fault"
        h.update_doc({name: f"## Fault and load test{' (soak)' if args.soak else ''}\n\n"
                            f"{DOC_NOTE.format(lease=LEASE_SECONDS, latency=FCM_LATENCY * 1000)}\n\n{text}"})
        print(f"wrote the {name} section of {h.DOC_PATH.relative_to(h.ROOT)}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
