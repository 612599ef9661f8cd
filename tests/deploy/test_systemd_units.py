"""The shipped systemd units parse (`systemd-analyze verify`) and start the commands the docs name."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

DEPLOY = ROOT / "docs" / "deploy"
VENV_BIN = "/opt/peerless/.venv/bin/"
UNITS = {  # file shipped -> name it is verified under (templates need an instance)
    "peerless-api@.service": "peerless-api@8001.service",
    "peerless-push-worker@.service": "peerless-push-worker@1.service",
    "peerless-scheduled.service": "peerless-scheduled.service",
    "peerless-scheduled.timer": "peerless-scheduled.timer",
    "peerless-migrate.service": "peerless-migrate.service",
}


def _exec_start(unit: str) -> str:
    return next(line.split("=", 1)[1] for line in (DEPLOY / unit).read_text().splitlines()
                if line.startswith("ExecStart="))


def test_units_start_the_documented_commands():
    assert _exec_start("peerless-api@.service") == f"{VENV_BIN}gunicorn -c api/gunicorn_config.py wsgi:app"
    assert _exec_start("peerless-push-worker@.service") == f"{VENV_BIN}flask --app wsgi push-worker"
    assert _exec_start("peerless-scheduled.service") == f"{VENV_BIN}flask --app wsgi run-scheduled"
    assert _exec_start("peerless-migrate.service") == f"{VENV_BIN}flask --app wsgi db upgrade"
    api = (DEPLOY / "peerless-api@.service").read_text()
    assert "Environment=PORT=%i" in api and "KillMode=mixed" in api


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    # The commands must exist for verify to pass: point them at this checkout's virtualenv.
    for shipped, name in UNITS.items():
        text = (DEPLOY / shipped).read_text().replace(VENV_BIN, f"{Path(sys.executable).parent}/")
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / name) for name in UNITS.values()]],
                            capture_output=True, text=True, timeout=60, env={"SYSTEMD_LOG_LEVEL": "warning",
                                                                            "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
