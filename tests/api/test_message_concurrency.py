"""Concurrent senders and readers: one message per client_msg_id, seqs 1..N, a sync stream that
neither loses nor repeats a message committed while it was being read."""
from __future__ import annotations

import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.factories import befriend

API = "/api/v1"
MESSAGES_PER_SENDER = 25


def all_messages(client, person, conversation_id) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {"after_seq": 0, "limit": 100} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/conversations/{conversation_id}/messages", query_string=query,
                          headers=person.headers).json
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def run_threads(count: int, work) -> list:
    """Run `work(index, barrier)` in `count` threads that start together; re-raise the first error."""
    barrier = threading.Barrier(count)
    with ThreadPoolExecutor(count) as pool:
        return [future.result() for future in [pool.submit(work, i, barrier) for i in range(count)]]


@pytest.fixture
def app(make_app):
    # Rate limits are not under test here, and must not turn a retry into a 429.
    return make_app(RATELIMIT_ENABLED=False)


def test_racing_retries_give_one_message_per_client_msg_id_and_seqs_1_to_n(app, client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    # Eight threads in four pairs: both threads of a pair send the same ids as the same person,
    # so every id races against itself, and some are retried once more afterwards.
    senders = [ada, ada, bea, bea, ada, ada, bea, bea]
    outcomes: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    lock = threading.Lock()

    def work(index, barrier):
        person, pair = senders[index], index // 2
        http = app.test_client()
        rng = random.Random(index)
        barrier.wait()
        for n in range(MESSAGES_PER_SENDER):
            client_msg_id = f"pair{pair}-{n}"
            for _ in range(1 + (rng.random() < 0.2)):
                response = http.post(f"{API}/conversations/{conversation_id}/messages",
                                     json={"client_msg_id": client_msg_id, "body": f"{pair}/{n}"},
                                     headers=person.headers)
                with lock:
                    outcomes[(person.id, client_msg_id)].append(
                        (response.status_code, response.json["id"], response.json["seq"]))

    run_threads(len(senders), work)

    unique = len(senders) // 2 * MESSAGES_PER_SENDER
    assert len(outcomes) == unique
    for key, attempts in outcomes.items():
        assert [status for status, _, _ in attempts].count(201) == 1, (key, attempts)
        assert {status for status, _, _ in attempts} <= {200, 201}
        assert len({(message_id, seq) for _, message_id, seq in attempts}) == 1, (key, attempts)
    stored = all_messages(client, ada, conversation_id)
    assert [m["seq"] for m in stored] == list(range(1, unique + 1))
    assert len({(m["sender_id"], m["client_msg_id"]) for m in stored}) == unique
    conversation = client.get(f"{API}/conversations/{conversation_id}", headers=ada.headers).json
    assert conversation["last_message"]["seq"] == unique


def test_senders_in_conversations_that_share_a_member_all_succeed(app, client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    with_bea, with_cat = befriend(client, ada, bea), befriend(client, ada, cat)
    plan = [(ada, with_bea), (bea, with_bea), (ada, with_cat), (cat, with_cat)] * 2

    def work(index, barrier):
        person, conversation_id = plan[index]
        http = app.test_client()
        barrier.wait()
        return [http.post(f"{API}/conversations/{conversation_id}/messages",
                          json={"client_msg_id": f"{index}-{n}", "body": "hi"}, headers=person.headers).status_code
                for n in range(12)]

    statuses = [status for result in run_threads(len(plan), work) for status in result]
    assert statuses == [201] * len(statuses)
    for conversation_id in (with_bea, with_cat):
        assert [m["seq"] for m in all_messages(client, ada, conversation_id)] == list(range(1, 49))


def test_a_reader_syncing_during_sends_gets_every_message_exactly_once(app, client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    with_bea, with_cat = befriend(client, ada, bea), befriend(client, ada, cat)
    token = client.get(f"{API}/sync", headers=ada.headers).json["next_since"]
    writers = [(bea, with_bea), (cat, with_cat), (ada, with_bea)]
    sent: list[str] = []
    deliveries: list[str] = []
    writing = threading.Event()
    writing.set()

    def write(person, conversation_id, index, barrier):
        http = app.test_client()
        barrier.wait()
        for n in range(30):
            response = http.post(f"{API}/conversations/{conversation_id}/messages",
                                 json={"client_msg_id": f"{index}-{n}", "body": "hi"}, headers=person.headers)
            assert response.status_code == 201
            sent.append(response.json["id"])

    def read(barrier):
        nonlocal token
        http = app.test_client()
        barrier.wait()
        while True:
            last_round = not writing.is_set()
            page = http.get(f"{API}/sync", query_string={"since": token}, headers=ada.headers).json
            deliveries.extend(m["id"] for m in page["messages"])
            token = page["next_since"]
            if last_round and not page["has_more"]:
                return

    barrier = threading.Barrier(len(writers) + 1)
    with ThreadPoolExecutor(len(writers) + 1) as pool:
        reader = pool.submit(read, barrier)
        for future in [pool.submit(write, p, c, i, barrier) for i, (p, c) in enumerate(writers)]:
            future.result()
        writing.clear()
        reader.result(timeout=30)

    assert len(sent) == 90
    assert len(deliveries) == len(set(deliveries)), "a message was delivered twice"
    assert set(deliveries) == set(sent)


def test_sends_reads_edits_and_mutes_at_once_never_fail(app, client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    with_bea, with_cat = befriend(client, ada, bea), befriend(client, ada, cat)
    plan = [(ada, with_bea), (bea, with_bea), (ada, with_cat), (cat, with_cat)] * 2

    def work(index, barrier):
        person, conversation_id = plan[index]
        http, rng, statuses = app.test_client(), random.Random(index), []
        url = f"{API}/conversations/{conversation_id}"
        barrier.wait()
        for n in range(15):
            sent = http.post(f"{url}/messages", json={"client_msg_id": f"{index}-{n}", "body": "hi"},
                             headers=person.headers)
            statuses.append(sent.status_code)
            action = rng.choice(["read", "edit", "mute", "delete"])
            if action == "read":
                response = http.post(f"{url}/read", json={"seq": sent.json["seq"]}, headers=person.headers)
            elif action == "edit":
                response = http.patch(f"{API}/messages/{sent.json['id']}", json={"body": "edited"},
                                      headers=person.headers)
            elif action == "mute":
                response = http.patch(url, json={"muted": rng.random() < 0.5}, headers=person.headers)
            else:
                response = http.delete(f"{API}/messages/{sent.json['id']}", headers=person.headers)
            statuses.append(response.status_code)
        return statuses

    statuses = {status for result in run_threads(len(plan), work) for status in result}
    assert statuses <= {200, 201, 204}
