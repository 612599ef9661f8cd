"""Shared plumbing for the load benchmarks: wrk, gunicorn, server CPU accounting, docs/performance.md.

Everything binds to 127.0.0.1 and every process started here is stopped by `Server.stop()` (use the
servers as context managers). See STACK.md §8 for why throughput comes from wrk, not a Python client.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WRK_DIR = BENCH_DIR / "wrk"
DOC_PATH = ROOT / "docs" / "performance.md"
VENV_BIN = Path(sys.executable).parent
GUNICORN = VENV_BIN / "gunicorn"
FLASK = VENV_BIN / "flask"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The same serving settings for the app and the bare baseline.
GUNICORN_ARGS = ["-w", "2", "-k", "gthread", "--threads", "4", "--log-level", "warning"]


# ---------------------------------------------------------------- wrk

def ensure_wrk() -> str:
    """Path to wrk, installing the Debian package if it is missing (this machine is root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: apt-get install -y wrk", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, stdout=subprocess.DEVNULL, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is required (Debian package `wrk`)")
    return found


@dataclass
class Result:
    label: str
    concurrency: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    expected_status: int
    socket_errors: int
    cpu_ms: float            # server CPU (all server processes) during the run
    baseline: "Result | None" = None

    @property
    def unexpected(self) -> int:
        """Responses with any status other than the expected one, plus socket errors."""
        return sum(n for s, n in self.statuses.items() if s != str(self.expected_status)) + self.socket_errors

    @property
    def non_2xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if not s.startswith("2"))

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_ms / self.requests if self.requests else float("nan")

    @property
    def ratio(self) -> float | None:
        return self.rps / self.baseline.rps if self.baseline and self.baseline.rps else None

    @property
    def cpu_ratio(self) -> float | None:
        if self.baseline and self.baseline.cpu_ms_per_request:
            return self.cpu_ms_per_request / self.baseline.cpu_ms_per_request
        return None


def run_wrk(wrk: str, *, url: str, script: str, args: list[str], concurrency: int, duration: float,
            label: str, server: "Server", expected_status: int = 200, threads: int | None = None) -> Result:
    """One closed-loop wrk run; the Lua script's done() prints a JSON line we parse. `threads` overrides
    the default (one connection per thread lets a script give each connection its own URL)."""
    if threads is None:
        threads = 1 if concurrency == 1 else 2   # two cores: never more than two wrk threads
    cmd = [wrk, "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
           "--latency", "-s", str(WRK_DIR / script), url, "--", *args]
    before = server.cpu_ticks()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    after = server.cpu_ticks()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({label}):\n{proc.stdout}\n{proc.stderr}")
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary ({label}):\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(line[len("BENCH_JSON "):])
    duration_s = data["duration_us"] / 1e6
    errors = data["errors"]
    return Result(
        label=label, concurrency=concurrency, requests=data["requests"], duration_s=duration_s,
        rps=data["requests"] / duration_s if duration_s else 0.0,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000, p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000,
        statuses={str(k): int(v) for k, v in (data.get("statuses") or {}).items()},
        expected_status=expected_status,
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        cpu_ms=(after - before) * 1000 / CLK_TCK,
    )


# ---------------------------------------------------------------- gunicorn

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces or parentheses: split after the last ")".
    return raw[raw.rindex(")") + 2:].split()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                kids += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


class Server:
    """A gunicorn on 127.0.0.1:<free port>; its own process group, so stop() reaches every worker."""

    def __init__(self, name: str, app: str, *, chdir: Path, env: dict[str, str], log_path: Path,
                 ready_path: str = "/"):
        self.name, self.app, self.chdir, self.env = name, app, chdir, env
        self.log_path, self.ready_path = log_path, ready_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._log = None
        self.workers = int(GUNICORN_ARGS[GUNICORN_ARGS.index("-w") + 1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "Server":
        self._log = open(self.log_path, "ab")
        cmd = [str(GUNICORN), *GUNICORN_ARGS, "-b", f"127.0.0.1:{self.port}", "--chdir", str(self.chdir), self.app]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=2) as response:
                    if response.status == 200 and len(_children(self.proc.pid)) >= self.workers:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server not ready after {timeout}s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        if self.proc is None:
            return []
        seen, stack = [], [self.proc.pid]
        while stack:
            pid = stack.pop()
            seen.append(pid)
            stack += _children(pid)
        return seen

    def cpu_ticks(self) -> int:
        """utime+stime of the master and every live worker, plus reaped children (cutime+cstime)."""
        total = 0
        for pid in self.pids():
            fields = _read_stat(pid)
            if fields:  # fields[11..14] are utime, stime, cutime, cstime (stat fields 14..17)
                total += sum(int(x) for x in fields[11:15])
        return total

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)   # the group we created: master and workers
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        # Workers left behind by a crashed master would still be in the group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._log:
            self._log.close()
        self.proc = None

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for the real app under gunicorn: production mode, fresh random secret."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "FLASK_DEBUG")}
    env.update({
        "PEERLESS_ENV": "production",
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": secrets.token_urlsafe(36)[:48],   # 48 characters
        "RATELIMIT_ENABLED": "false",
        "ACCESS_TOKEN_SECONDS": "3600",
        "PASSWORD_HASH_PROFILE": "cheapest",                   # seeding only: logins are not measured
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra)
    return env


def migrate(database_url: str, log_path: Path) -> None:
    env = {**os.environ, "PEERLESS_ENV": "development", "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    with open(log_path, "ab") as log:
        subprocess.run([str(FLASK), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120)


# ---------------------------------------------------------------- a tiny JSON client for seeding

class Client:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             expect: tuple[int, ...] = (200, 201)) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else {}


# ---------------------------------------------------------------- output

def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


TABLE_HEADER = ("| Benchmark | Conc. | Requests | Req/s | × bare req/s | p50 ms | p95 ms | p99 ms "
                "| Server CPU ms/req | × bare CPU | Non-2xx |")
TABLE_RULE = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"


def table_row(r: Result) -> str:
    ratio = fmt(r.ratio * 100, 0) + " %" if r.ratio is not None else "–"
    cpu_ratio = fmt(r.cpu_ratio, 1) + "×" if r.cpu_ratio is not None else "–"
    non_2xx = str(r.non_2xx) + (f" (+{r.socket_errors} socket errors)" if r.socket_errors else "")
    return (f"| {r.label} | {r.concurrency} | {r.requests:,} | {fmt(r.rps, 0)} | {ratio} | {fmt(r.p50_ms, 2)} "
            f"| {fmt(r.p95_ms, 2)} | {fmt(r.p99_ms, 2)} | {fmt(r.cpu_ms_per_request, 2)} | {cpu_ratio} | {non_2xx} |")


def markdown_table(results: list[Result]) -> str:
    return "\n".join([TABLE_HEADER, TABLE_RULE, *(table_row(r) for r in results)])


def print_table(results: list[Result]) -> None:
    head = f"{'benchmark':<34} {'c':>3} {'req':>7} {'req/s':>7} {'×bare':>6} {'p50':>7} {'p95':>7} {'p99':>7} " \
           f"{'cpu/req':>8} {'×cpu':>5} {'non2xx':>6}"
    print(head)
    print("-" * len(head))
    for r in results:
        ratio = f"{r.ratio * 100:.0f}%" if r.ratio is not None else "-"
        cpu_ratio = f"{r.cpu_ratio:.1f}" if r.cpu_ratio is not None else "-"
        print(f"{r.label[:34]:<34} {r.concurrency:>3} {r.requests:>7} {r.rps:>7.0f} {ratio:>6} {r.p50_ms:>7.2f} "
              f"{r.p95_ms:>7.2f} {r.p99_ms:>7.2f} {r.cpu_ms_per_request:>8.3f} {cpu_ratio:>5} "
              f"{r.non_2xx + r.socket_errors:>6}", flush=True)


DOC_INTRO = """# Performance

Load benchmarks for the Peerless API, produced by `make bench` (`bench/run_all.py`: messaging with
conversation lists and `/sync`, matching at 100,000 patients, the push outbox drain); each benchmark can
also run on its own, e.g. `.venv/bin/python bench/messaging.py [--quick]`. Every benchmark measures
SQLite (the embedded default) and, when the PostgreSQL and Redis servers of `.ci/services.sh` answer
(127.0.0.1:54329 and :6390, or `BENCH_PG_URL` / `BENCH_REDIS_URL`), PostgreSQL with Redis too, each
in databases of its own that it drops at the end. A full `make bench` takes about 10–15 minutes on a
quiet 2-core machine (19 minutes at a load average of 10–25); `make bench BENCH_ARGS=--quick` (2 s
measurements, 20,000 patients, 2,000 notifications) about 5 (6 at a load average of 5–10). Benchmarks
never run in CI or under pytest.

**How to read these figures.** The machine has 2 cores, shared with other work and noisy: absolute
requests/s move from run to run. Each benchmark therefore also serves a bare Flask "hello" route
(`bench/bare_app.py`) with the same gunicorn settings in the same run, and reports ratios to it
(throughput, and server CPU per request, which holds up better than requests/s on a shared machine);
the messaging benchmark also measures the raw insert rate of the same database engine (one row per
transaction through the bare driver) and the outbox benchmark the raw request rate of the fake FCM.
Throughput comes from `wrk` with Lua scripts (`bench/wrk/`), not from a Python client, which would
measure itself (STACK.md §8). Server CPU ms/request is utime+stime of the gunicorn master and workers
(from `/proc/<pid>/stat`) over the run, divided by the requests served. Everything listens on
127.0.0.1 only and every process is stopped at the end.

Each section below sits between `<!-- bench:NAME -->` markers and is rewritten only by its own benchmark.
"""


def update_doc(sections: dict[str, str], path: Path = DOC_PATH) -> None:
    """Replace (or append) only the sections given, keeping everything else in the file as it is."""
    text = path.read_text() if path.exists() else DOC_INTRO
    for name, body in sections.items():
        start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
        block = f"{start}\n{body.strip()}\n{end}"
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m: block, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


@dataclass
class Outcome:
    """What a benchmark module's run() hands back to run_all.py."""
    name: str
    section: str
    results: list[Result] = field(default_factory=list)
    targets_met: bool = True


def git_revision() -> str:
    """The revision a benchmark ran on (`-dirty` when the tree had uncommitted changes)."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
