"""The fault test's checks (bench/_fault_checks.py, used by bench/fault_load.py) must be able to fail:
fed crafted records with a lost, duplicated or renumbered message, a seq gap, a missing or duplicated push
or a 5xx outside a kill, they report each one. The fault test itself needs PostgreSQL, Redis and several
processes; it runs as `make fault` in .ci/run."""
from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    """A bench/ module by path; bench/ is on sys.path only while it loads (its own helpers import that way)."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module   # dataclasses look their module up while being defined
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


@pytest.fixture(scope="module")
def fl():
    return load("_fault_checks")


def rows_and_acks(fl, conversation="c1", sender="u1", n=3):
    rows = [fl.MessageRow(f"m{i}", conversation, sender, f"k{i}", i) for i in range(1, n + 1)]
    acks = [fl.Ack(conversation, sender, f"k{i}", f"m{i}", i) for i in range(1, n + 1)]
    return rows, acks


def test_a_clean_run_has_no_violations(fl):
    rows, acks = rows_and_acks(fl)
    assert fl.verify_messages(acks, rows, {"c1": 3}) == []


def test_a_lost_acknowledged_message_is_reported(fl):
    rows, acks = rows_and_acks(fl)
    problems = fl.verify_messages(acks, rows[:2], {"c1": 2})
    assert any("m3" in p and "missing" in p for p in problems)


def test_a_duplicate_is_reported(fl):
    rows, acks = rows_and_acks(fl)
    twice = rows + [fl.MessageRow("m4", "c1", "u1", "k3", 4)]
    problems = fl.verify_messages(acks, twice, {"c1": 4})
    assert any("k3 stored 2 times" in p for p in problems)


def test_an_acknowledgement_that_names_another_message_or_seq_is_reported(fl):
    rows, acks = rows_and_acks(fl)
    acks[1] = fl.Ack("c1", "u1", "k2", "m2", 7)
    assert any("seq 7" in p for p in fl.verify_messages(acks, rows, {"c1": 3}))


def test_a_seq_gap_and_a_last_seq_out_of_step_are_reported(fl):
    rows, acks = rows_and_acks(fl)
    gap = rows[:2] + [fl.MessageRow("m3", "c1", "u1", "k3", 4)]
    problems = fl.verify_messages([], gap, {"c1": 4})
    assert any("not 1..3" in p and "missing [3]" in p for p in problems)
    assert any("last_seq 4 but 3 messages" in p for p in problems)


def test_pushes_are_expected_for_every_other_members_devices(fl):
    rows = [fl.MessageRow("m1", "c1", "alice", "k1", 1)]
    members = {"c1": {"alice", "bob", "carol"}}
    tokens = {"alice": ["a1"], "bob": ["b1", "b2"], "carol": []}
    assert fl.expected_pushes(rows, members, tokens) == {("b1", "m1"), ("b2", "m1")}


def test_missing_duplicate_and_unexpected_pushes_are_counted(fl):
    expected = {("b1", "m1"), ("b2", "m1"), ("b1", "m2")}
    received = collections.Counter({("b1", "m1"): 3, ("b2", "m1"): 1, ("x", "m9"): 1})
    check = fl.verify_pushes(expected, received)
    assert check.missing == [("b1", "m2")]
    assert (check.duplicates, check.duplicated_pairs) == (2, 1)
    assert check.unexpected == [("x", "m9")]
    assert not check.ok
    assert fl.verify_pushes(expected, collections.Counter(dict.fromkeys(expected, 1))).ok


def test_only_failures_around_a_kill_of_that_process_are_excused(fl):
    outage = fl.Outage("api-a", killed_at=10.0, ready_at=14.0)
    in_flight = fl.Attempt("api-a", 9.5, 10.2, "reset")
    while_down = fl.Attempt("api-a", 12.0, 12.0, "refused")
    other_process = fl.Attempt("api-b", 9.5, 10.2, 500)
    before = fl.Attempt("api-a", 5.0, 5.1, 503)
    after_restart = fl.Attempt("api-a", 20.0, 20.3, "timeout")
    fine = fl.Attempt("api-b", 1.0, 1.1, 201)
    bad = fl.unexcused_failures([in_flight, while_down, other_process, before, after_restart, fine], [outage])
    assert bad == [other_process, before, after_restart]


def test_a_process_that_never_came_back_excuses_everything_sent_to_it_afterwards(fl):
    outage = fl.Outage("api-a", killed_at=10.0, ready_at=None)
    assert fl.excused(fl.Attempt("api-a", 99.0, 99.0, "refused"), [outage])


def test_latency_rows_per_interval_use_successes_only(fl):
    attempts = [fl.Attempt("a", 0.0, 0.010, 201), fl.Attempt("a", 0.0, 0.030, 201),
                fl.Attempt("a", 0.0, 5.0, "timeout"), fl.Attempt("a", 10.0, 10.1, 200)]
    rows = fl.latency_by_interval(attempts, start=0.0, interval=10.0)
    assert [(r["t"], r["n"]) for r in rows] == [(10.0, 2), (20.0, 1)]
    assert rows[0]["p50"] == pytest.approx(10.0) and rows[0]["p99"] == pytest.approx(30.0)


def test_percentile_is_nearest_rank(fl):
    values = list(range(1, 101))
    assert (fl.percentile(values, 50), fl.percentile(values, 95), fl.percentile(values, 99)) == (50, 95, 99)
    assert fl.percentile([7.0], 99) == 7.0


def test_the_fault_test_gives_its_push_workers_the_lease_it_waits_for(tmp_path):
    # It bounds its wait for the outbox by the lease a killed worker's rows are held for.
    fault_load = load("fault_load")
    workers = fault_load.push_workers({}, tmp_path, 1)
    assert {w.env["PUSH_LEASE_SECONDS"] for w in workers.values()} == {str(fault_load.LEASE_SECONDS)}


def test_the_fault_test_is_not_picked_up_as_a_benchmark():
    # bench/run_all.py runs any bench module with a NAME and a run(); this one checks correctness instead.
    assert not isinstance(getattr(load("fault_load"), "NAME", None), str)


def test_duplicates_are_explained_only_by_a_row_sent_again_after_a_lost_lease(fl):
    received = collections.Counter({("b1", "m1"): 2, ("b1", "m2"): 2, ("c1", "m3"): 1})
    owners = {"b1": "bob", "c1": "carol"}
    retried = {("bob", "m1")}             # bob's row for m1 was claimed twice (its first worker was killed)
    assert fl.unexplained_duplicates(received, owners, retried) == [("b1", "m2")]
