"""Test-only WSGI app for the graceful-shutdown test: the real app plus one slow route.

Served by gunicorn as `tests.deploy.slow_app:app`; nothing in production imports it. The route
touches SLOW_STARTED_FILE once the request is being handled, so the test knows when to send SIGTERM.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from flask import request

from api import create_app

app = create_app()


@app.get("/__test/slow")
def slow():
    Path(os.environ["SLOW_STARTED_FILE"]).touch()
    seconds = float(request.args.get("seconds", "2"))
    time.sleep(seconds)
    return {"slept": seconds}
