"""Write the live OpenAPI document to a file, with no server: the app's own test client asks for
/api/v1/openapi.json, exactly as a generator would over HTTP.

Usage: .venv/bin/python clients/typescript/scripts/dump_openapi.py OUT.json   (from the repository root)

TestConfig and an in-memory database keep the document independent of the machine's environment,
so regenerating anywhere gives the same bytes (the staleness check compares them)."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from api import create_app  # noqa: E402
from api.config import TestConfig  # noqa: E402


def main(out: Path) -> None:
    logging.getLogger("peerless.request").disabled = True  # one log line per request: noise here
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    response = app.test_client().get("/api/v1/openapi.json")
    if response.status_code != 200:
        raise SystemExit(f"GET /api/v1/openapi.json answered {response.status_code}")
    out.write_text(json.dumps(response.get_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
