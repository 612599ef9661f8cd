"""The shipped alert rules and dashboard are checked by Prometheus's own tool and against what the
service really exposes."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services.scheduled import run_scheduled

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
TOKEN = "metrics-token-for-tests-0123456789"


def promtool(*args: str) -> str:
    tool = shutil.which("promtool")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs promtool (Debian package prometheus)")
        pytest.skip("promtool is not installed here (apt-get install prometheus)")
    result = subprocess.run([tool, *args], cwd=DEPLOY, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_alert_rules_are_valid():
    assert "SUCCESS: 6 rules found" in promtool("check", "rules", "prometheus-rules.yml")


def test_each_alert_fires_when_it_should_and_not_before():
    assert "SUCCESS" in promtool("test", "rules", "prometheus-rules.test.yml")


def test_the_example_scrape_configuration_is_valid():
    promtool("check", "config", "--syntax-only", "prometheus.yml")


def _exposed_names(make_app, people) -> set[str]:
    app = make_app(METRICS_TOKEN=TOKEN)
    with app.app_context():
        run_scheduled()  # job figures appear once a job has run
    client = app.test_client()
    client.get("/api/v1/me", headers=people.make().headers)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def test_every_metric_the_rules_and_the_dashboard_use_is_exposed(make_app, people):
    exposed = _exposed_names(make_app, people)
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    expressions += re.findall(r"expr: \|?\s*(.+?)\n\s+(?:for|labels):", (DEPLOY / "prometheus-rules.yml").read_text(),
                              re.S)
    used = {name for expr in expressions for name in re.findall(r"\bpeerless_[a-z_]+", expr)}
    assert used and used <= exposed, sorted(used - exposed)
    assert "peerless_push_sends_total" in used  # a labelled counter, shown at 0 before the first push
