"""docs/deploy/nginx.conf, as shipped, in front of two real gunicorn processes.

The shipped file is the source of truth: the test swaps only its ports, certificate and log paths
(each swap must match, so an edit that renames them fails here rather than testing something else),
runs nginx in the foreground under a temporary prefix, and talks TLS to it from 127.0.0.x.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import simple_websocket
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.deploy.conftest import ROOT, free_port, receive, wait_until

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
SITE = ROOT / "docs" / "deploy" / "nginx.conf"
HOST = "peerless.example.org"
CLIENTS = [f"127.0.0.{n}" for n in range(2, 18)]  # 16 source addresses on the loopback network

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs it: apt-get install nginx)")


def render_site(tmp: Path, https_port: int, http_port: int, upstreams: list[int]) -> str:
    text = SITE.read_text()
    swaps = {
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{upstreams[0]} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{upstreams[1]} ",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        f"/etc/letsencrypt/live/{HOST}/": f"{tmp}/",
        "/var/log/nginx/": f"{tmp}/",
    }
    for old, new in swaps.items():
        assert old in text, f"{SITE} no longer contains {old!r}: update this test's swaps"
        text = text.replace(old, new)
    return text


def main_conf(tmp: Path, site: Path) -> str:
    """The parts a distribution's /etc/nginx/nginx.conf provides, every path inside `tmp`."""
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    return f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
{temp_paths}
    access_log off;
    include {site};
}}
"""


def self_signed_certificate(tmp: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))


class Nginx:
    def __init__(self, tmp: Path, upstreams: list[int]):
        self.tmp, self.https_port, self.http_port = tmp, free_port(), free_port()
        self_signed_certificate(tmp)
        site = tmp / "peerless.conf"
        site.write_text(render_site(tmp, self.https_port, self.http_port, upstreams))
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(main_conf(tmp, site))
        self.command = [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(self.conf)]
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def check_config(self) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=20)

    def start(self) -> None:
        self.process = subprocess.Popen([*self.command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(self._answers, 15, "nginx answering", self.tmp / "error.log")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"nginx exited with {self.process.returncode}:\n{(self.tmp / 'error.log').read_text()}")
        try:
            with self.client() as client:
                return client.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=False, timeout=10, headers={"Host": HOST},
                            transport=httpx.HTTPTransport(local_address=source, verify=False))

    def upstreams_by_client(self, path: str) -> dict[str, set[str]]:
        """From nginx's access log (the shipped log_format): which upstreams served `path`, per client address."""
        seen: dict[str, set[str]] = {}
        for line in (self.tmp / "peerless.access.log").read_text().splitlines():
            address, rest = line.split(" ", 1)
            if f" {path}\" " in rest:
                # "upstream=A urt=…", or "upstream=A, B urt=…" when A failed and B answered
                seen.setdefault(address, set()).add(rest.split("upstream=", 1)[1].split(" urt=", 1)[0])
        return seen


@pytest.fixture
def stack(gunicorn, tmp_path):
    """nginx on 127.0.0.1 in front of two API processes (the production gunicorn settings)."""
    apis = [gunicorn(), gunicorn()]
    nginx = Nginx(tmp_path, [api.port for api in apis])
    try:
        yield nginx, apis
    finally:
        nginx.stop()


def test_the_shipped_config_passes_nginx_t(tmp_path):
    result = Nginx(tmp_path, [free_port(), free_port()]).check_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_rest_and_health_through_nginx(stack, people):
    nginx, _ = stack
    nginx.start()
    person = people.make()
    with nginx.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok", ready.text
        me = client.get("/api/v1/me", headers=person.headers | {"X-Request-ID": "deploy-test-1"})
        assert me.status_code == 200, me.text
        assert me.json()["id"] == person.id
        assert me.headers["X-Request-ID"] == "deploy-test-1"  # passed through to the app and back
        assert "Strict-Transport-Security" in me.headers  # the app saw X-Forwarded-Proto: https
        assert client.get("/api/v1/me").status_code == 401
    with httpx.Client(timeout=10) as plain:
        redirect = plain.get(f"http://127.0.0.1:{nginx.http_port}/api/v1/me", headers={"Host": HOST})
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"https://{HOST}/api/v1/me"


def test_socketio_long_polling_sticks_to_one_process(stack, people):
    """Handshake, CONNECT with the token, then the poll that answers it: three requests that must all
    reach the process holding the session (another process answers 400 "Invalid session")."""
    nginx, _ = stack
    nginx.start()
    person = people.make()
    for source in CLIENTS:
        with nginx.client(source) as client:
            handshake = client.get("/socket.io/", params={"EIO": 4, "transport": "polling"})
            assert handshake.status_code == 200, handshake.text
            sid = json.loads(handshake.text[1:])["sid"]
            params = {"EIO": 4, "transport": "polling", "sid": sid}
            sent = client.post("/socket.io/", params=params, content="40" + json.dumps({"token": person.access_token}))
            assert sent.status_code == 200 and sent.text == "OK", (source, sent.status_code, sent.text)
            answer = client.get("/socket.io/", params=params)
            assert answer.status_code == 200, (source, answer.status_code, answer.text)
            assert answer.text.startswith("40{") and '"sid"' in answer.text, answer.text  # accepted, not refused
    served = nginx.upstreams_by_client("/socket.io/")
    assert set(served) == set(CLIENTS)
    assert all(len(upstreams) == 1 for upstreams in served.values()), served
    # the clients were spread over both processes, so the stickiness above was tested, not luck
    assert len(set().union(*served.values())) == 2, served


def test_websocket_upgrade_through_nginx(stack, people):
    nginx, _ = stack
    nginx.start()
    person = people.make()
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    ws = simple_websocket.Client.connect(f"wss://127.0.0.1:{nginx.https_port}/socket.io/?EIO=4&transport=websocket",
                                         ssl_context=context)
    try:
        opened = receive(ws, timeout=30)
        assert opened and opened.startswith("0{"), opened
        ws.send("40" + json.dumps({"token": person.access_token}))
        connected = receive(ws)
        assert connected and connected.startswith("40{") and '"sid"' in connected, connected
    finally:
        ws.close()
    time.sleep(0.2)  # let nginx write the access-log line
    log = (nginx.tmp / "peerless.access.log").read_text()
    assert '"GET /socket.io/" 101 ' in log  # switched protocols through the proxy


def test_the_compose_files_nginx_config_passes_nginx_t(tmp_path):
    """compose.yaml (untested as a whole: no Docker here) carries its own nginx site; at least it parses."""
    compose = yaml.safe_load((ROOT / "docs" / "deploy" / "compose.yaml").read_text())
    assert {"api1", "api2", "push-worker", "scheduled", "migrate", "nginx"} <= set(compose["services"])
    site = compose["configs"]["nginx_site"]["content"].replace("$$", "$")  # compose's escape for a literal $
    for name in ("api1", "api2"):
        site = site.replace(f"server {name}:8000 ", f"server 127.0.0.1:{free_port()} ")  # nginx -t resolves names
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_conf(tmp_path, tmp_path / "site.conf"))
    result = subprocess.run([NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf), "-t"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result.stderr


def test_a_process_stopping_behind_nginx_loses_no_request(gunicorn, tmp_path, people):
    """A rolling restart: while one process drains a slow request after SIGTERM, a POST from a client
    whose address hashes to it is served by the other process instead of waiting to be reset."""
    started_file = tmp_path / "slow-started"
    apis = [gunicorn("tests.deploy.slow_app:app", SLOW_STARTED_FILE=str(started_file)) for _ in range(2)]
    nginx = Nginx(tmp_path, [api.port for api in apis])
    nginx.start()
    try:
        person = people.make()
        stopping = apis[0]
        source = _client_served_by(nginx, person, f"127.0.0.1:{stopping.port}")
        answers = []
        with nginx.client(source) as client:
            slow = threading.Thread(target=lambda: answers.append(
                client.get("/__test/slow", params={"seconds": 10}, timeout=30)))
            slow.start()
            wait_until(started_file.exists, 15, "the slow request reaching the process", stopping.log_path)
            stopping.process.send_signal(signal.SIGTERM)
            wait_until(lambda: _refuses(stopping.port), 5, "the stopping process refusing connections")
            time.sleep(2.5)  # past gunicorn's 2 s linger for idle keep-alive connections, so nginx must connect anew
            started = time.monotonic()
            login = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password})
            assert login.status_code == 200, login.text
            assert time.monotonic() - started < 3, "the POST waited on the stopping process"
            slow.join(timeout=30)
        assert answers and answers[0].status_code == 200, stopping.log
        assert stopping.process.wait(timeout=30) == 0
        served = nginx.upstreams_by_client("/api/v1/auth/login")[source]
        assert served == {f"127.0.0.1:{stopping.port}, 127.0.0.1:{apis[1].port}"}  # refused, then the other
    finally:
        nginx.stop()


def _client_served_by(nginx: Nginx, person, upstream: str) -> str:
    """A client address whose requests nginx sends to `upstream`."""
    for source in CLIENTS:
        with nginx.client(source) as client:
            assert client.get("/api/v1/me", headers=person.headers).status_code == 200
    time.sleep(0.2)  # the access log is written after the response
    served = nginx.upstreams_by_client("/api/v1/me")
    return next(source for source, upstreams in served.items() if upstreams == {upstream})


def _refuses(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0
