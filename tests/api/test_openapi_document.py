"""The live OpenAPI document is something a client generator can use as it is: valid, every
operation named, every pattern readable by ECMAScript, every example accepted, every error code
explained."""
from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

import services
from api import errors as api_errors
from api.openapi import ERROR_CODES
from api.openapi_examples import REQUEST_EXAMPLES
from services.errors import ServiceError
from tests.conftest import assert_problem

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_validates_with_no_errors(document):
    errors = [str(error).splitlines()[0] for error in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []


def test_every_operation_has_a_unique_camel_case_operation_id(document):
    ids = [(f"{method.upper()} {path}", op.get("operationId")) for path, method, op in operations(document)]
    assert [where for where, op_id in ids if not op_id] == []
    names = [op_id for _, op_id in ids]
    assert len(names) == len(set(names))
    assert [n for n in names if not re.fullmatch(r"[a-z]+([A-Z][a-z0-9]*)*", n)] == []
    contract = {"sendMessage", "listConversations", "sync", "refreshToken", "register", "login", "listMatches"}
    assert contract <= set(names)


def _patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_is_a_valid_ecmascript_regex(document):
    patterns = sorted(set(_patterns(document)))
    assert patterns, "the document has patterns to check"
    assert [p for p in patterns if "\\Z" in p or "\\A" in p or "(?P<" in p] == []
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here")
    script = ("const bad = []; for (const p of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {"
              " try { new RegExp(p, 'u'); } catch (e) { bad.push(p); } } console.log(JSON.stringify(bad));")
    result = subprocess.run([node, "-e", script], input=json.dumps(patterns), capture_output=True, text=True,
                            timeout=30, check=True)
    assert json.loads(result.stdout) == []


def _inline(node, components):
    """The schema with every `$ref` replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(components[node["$ref"].rsplit("/", 1)[-1]], components)
        return {key: _inline(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, components) for value in node]
    return node


def test_every_request_body_has_an_example_that_its_schema_accepts(document):
    components = document["components"]["schemas"]
    seen = set()
    for path, method, op in operations(document):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        assert "example" in body, f"{op['operationId']} has no request example"
        OAS30Validator(_inline(body["schema"], components)).validate(body["example"])
        seen.add(op["operationId"])
    assert set(REQUEST_EXAMPLES) == seen, "an example for an operation that takes no body, or a stale name"


def test_a_pattern_is_matched_whole_so_a_trailing_newline_is_refused(client, people):
    alice, bob = people.make(), people.make()
    response = client.post("/api/v1/blocks", json={"user_id": alice.id + "\n"}, headers=bob.headers)
    assert_problem(response, 422, "validation_failed")
    response = client.patch("/api/v1/me", json={"languages": ["en\n"]}, headers=alice.headers)
    assert_problem(response, 422, "validation_failed")
    assert client.get("/api/v1/blocks", headers=bob.headers).get_json()["items"] == []


def test_matches_take_up_to_100_like_every_list(client, people):
    seeker = people.make()
    assert client.get("/api/v1/matches?kind=peer&limit=100", headers=seeker.headers).status_code == 200
    assert_problem(client.get("/api/v1/matches?kind=peer&limit=101", headers=seeker.headers), 422)


def _raised_codes() -> set[str]:
    for module in pkgutil.walk_packages(services.__path__, "services."):
        importlib.import_module(module.name)
    codes, stack = set(), [ServiceError]
    while stack:
        cls = stack.pop()
        codes.add(cls.code)
        stack.extend(cls.__subclasses__())
    codes |= set(api_errors._CODES.values())
    for source in [*ROOT.joinpath("api").rglob("*.py"), *ROOT.joinpath("services").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                codes.add(node.value.value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_unauthorized" and len(node.args) > 1:
                codes.add(node.args[1].value)
    return codes


def test_every_problem_code_the_code_base_can_raise_is_documented(document):
    assert sorted(_raised_codes() - set(ERROR_CODES)) == []
    description = document["info"]["description"]
    assert all(f"`{code}`" in description for code in ERROR_CODES)


def test_the_socket_io_events_are_described(document):
    description = document["info"]["description"]
    for event in ("message.created", "message.updated", "read.updated", "mentorship.updated",
                  "connection.updated", "session.ended", "conversation.focus"):
        assert f"`{event}`" in description


def test_building_another_app_does_not_repeat_the_description(document, make_app):
    again = make_app().test_client().get("/api/v1/openapi.json").get_json()
    assert again["info"]["description"] == document["info"]["description"]
    assert document["info"]["description"].count("## Errors") == 1
