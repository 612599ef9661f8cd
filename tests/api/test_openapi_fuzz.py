"""Schemathesis over the live OpenAPI document, in-process: no 5xx, no response that breaks the spec.

One pytest test per operation, all on one freshly migrated database of their own. Every generated case
is sent with the bearer token of a person registered just for it, so cases that erase the
account (DELETE /me) or end the session (POST /auth/logout) cannot starve the ones after them.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.extensions import limiter
from models import db
from tests.conftest import build_test_app, migrated_database
from tests.factories import PersonFactory

DATABASE_URL, drop_database = migrated_database()
app = build_test_app(DATABASE_URL, RATELIMIT_ENABLED=False)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
people = PersonFactory(app)


@pytest.fixture(scope="module", autouse=True)
def _drop_fuzz_database():
    yield
    with app.app_context():
        db.engine.dispose()
    drop_database()


# Excluded, and why:
# - positive_data_acceptance: schema-valid input can still break a rule only the service knows
#   (an unknown condition id, a cursor we never signed, a diagnosis year before birth, a common
#   password, a refresh token that is not the caller's): those are rightly 4xx.
EXCLUDED_CHECKS = [positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_documented_schema(case):
    # A new person per case: an earlier case may have erased its account or logged out.
    case.call_and_validate(headers=people.make().headers, excluded_checks=EXCLUDED_CHECKS)
