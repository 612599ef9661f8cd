"""api/gunicorn_config.py: defaults, environment overrides, and a master that stays light."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.deploy.conftest import ROOT

SETTINGS = ["bind", "workers", "worker_class", "threads", "graceful_timeout", "keepalive", "max_requests",
            "max_requests_jitter", "accesslog", "forwarded_allow_ips", "control_socket_disable"]
LOAD = f"""
import json, runpy, sys
ns = runpy.run_path("api/gunicorn_config.py")
settings = {{name: ns[name] for name in {SETTINGS!r}}}
settings["imports_the_app"] = any(m.split(".")[0] in ("api", "services", "models", "flask") for m in sys.modules)
print(json.dumps(settings))
"""


def load(**env) -> dict:
    """The settings as gunicorn's master reads them, in a fresh interpreter with only `env` set."""
    result = subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_defaults_one_threaded_worker_on_loopback_without_recycling():
    settings = load()
    assert settings == {
        "bind": "127.0.0.1:8000", "workers": 1, "worker_class": "gthread", "threads": 100, "graceful_timeout": 20,
        "keepalive": 5, "max_requests": 0, "max_requests_jitter": 0, "accesslog": None,
        "forwarded_allow_ips": "127.0.0.1,::1", "control_socket_disable": True, "imports_the_app": False,
    }


def test_environment_overrides():
    settings = load(PORT="8002", GUNICORN_THREADS="8", GUNICORN_GRACEFUL_TIMEOUT="5", GUNICORN_KEEPALIVE="9",
                    GUNICORN_MAX_REQUESTS="1000", FORWARDED_ALLOW_IPS="10.0.0.5")
    assert settings["bind"] == "127.0.0.1:8002"
    assert (settings["threads"], settings["graceful_timeout"], settings["keepalive"]) == (8, 5, 9)
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (1000, 100)
    assert settings["forwarded_allow_ips"] == "10.0.0.5"
    assert load(PORT="8002", BIND="0.0.0.0:9000")["bind"] == "0.0.0.0:9000"  # containers listen beyond loopback
    assert load(GUNICORN_CONTROL_SOCKET="/run/peerless/8001.ctl")["control_socket_disable"] is False
