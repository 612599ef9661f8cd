"""The condition taxonomy: GET /conditions, search, cursor pagination."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_problem

CONDITIONS = "/api/v1/conditions"


def all_conditions(client, **query) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get(CONDITIONS, query_string={"limit": 100, **query, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        items += page.json["items"]
        cursor = page.json["next_cursor"]
        if cursor is None:
            return items


def names(response) -> set[str]:
    return {c["name"] for c in response.json["items"]}


def test_taxonomy_holds_at_least_sixty_conditions_besides_groups(client):
    assert len([c for c in all_conditions(client) if c["parent_id"] is not None]) >= 60


def test_conditions_need_no_token(client):
    assert client.get(CONDITIONS).status_code == 200


def test_condition_has_the_contract_fields(client):
    condition = client.get(CONDITIONS, query_string={"q": "asthma"}).json["items"][0]
    assert {"id", "slug", "name", "icd10", "parent_id"} <= condition.keys()
    assert str(uuid.UUID(condition["id"])) == condition["id"]


def test_groups_have_no_parent_and_children_point_at_groups(client):
    everything = all_conditions(client)
    groups = {c["id"] for c in everything if c["parent_id"] is None}
    assert groups
    assert all(c["parent_id"] in groups for c in everything if c["parent_id"] is not None)


def test_diabetes_group_has_type_1_and_type_2_as_children(client):
    everything = {c["slug"]: c for c in all_conditions(client)}
    assert everything["type-1-diabetes"]["parent_id"] == everything["diabetes"]["id"]
    assert everything["type-2-diabetes"]["parent_id"] == everything["diabetes"]["id"]


@pytest.mark.parametrize("q", ["diab", "DIAB", "sugar", " sugar "])
def test_search_finds_both_main_types_of_diabetes(client, q):
    found = names(client.get(CONDITIONS, query_string={"q": q, "limit": 100}))
    assert {"Type 1 diabetes", "Type 2 diabetes"} <= found


@pytest.mark.parametrize("q", ["sjogren", "sjögren", "SJÖGREN"])
def test_search_ignores_accents(client, q):
    assert any(name.startswith("Sjögren") for name in names(client.get(CONDITIONS, query_string={"q": q})))


def test_search_with_no_match_is_an_empty_page(client):
    assert client.get(CONDITIONS, query_string={"q": "zzzz-no-such-thing"}).json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("q", ["%", "_", "\\", "'", '"; DROP TABLE conditions; --'])
def test_search_treats_like_wildcards_and_quotes_as_text(client, q):
    response = client.get(CONDITIONS, query_string={"q": q, "limit": 100})
    assert response.status_code == 200
    assert len(response.json["items"]) < 100


def test_search_refuses_a_control_character(client):
    assert_problem(client.get(CONDITIONS, query_string={"q": "dia\x00b"}), 422)


def test_default_page_is_twenty(client):
    page = client.get(CONDITIONS).json
    assert len(page["items"]) == 20 and page["next_cursor"]


def test_following_next_cursor_walks_every_condition_exactly_once(client):
    expected = [c["id"] for c in all_conditions(client)]
    seen, cursor = [], None
    while True:
        page = client.get(CONDITIONS, query_string={"limit": 5, **({"cursor": cursor} if cursor else {})}).json
        assert len(page["items"]) <= 5
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == set(expected)


def test_pages_are_in_name_order(client):
    everything = [c["name"] for c in all_conditions(client)]
    assert len(everything) > 100
    first_two_pages = [c["name"] for c in client.get(CONDITIONS, query_string={"limit": 50}).json["items"]]
    assert first_two_pages == everything[:50]


def test_cursor_paginates_a_search_too(client):
    every_match = [c["id"] for c in all_conditions(client, q="diab")]
    first = client.get(CONDITIONS, query_string={"q": "diab", "limit": 2}).json
    second = client.get(CONDITIONS, query_string={"q": "diab", "limit": 2, "cursor": first["next_cursor"]}).json
    assert [c["id"] for c in first["items"] + second["items"]] == every_match[:4]


def test_tampered_cursor_is_a_400_problem(client):
    cursor = client.get(CONDITIONS, query_string={"limit": 5}).json["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert_problem(client.get(CONDITIONS, query_string={"cursor": tampered}), 400, "invalid_token")


def test_made_up_cursor_is_a_400_problem(client):
    assert_problem(client.get(CONDITIONS, query_string={"cursor": "eyJub3QiOiJvdXJzIn0"}), 400)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5"])
def test_limit_must_be_between_1_and_100(client, limit):
    assert "limit" in assert_problem(client.get(CONDITIONS, query_string={"limit": limit}), 422)["errors"]


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_accepted(client, limit):
    assert len(client.get(CONDITIONS, query_string={"limit": limit}).json["items"]) == limit

