"""The fault test's records and checks (bench/fault_load.py): pure functions over what the phones saw, what
the database holds and what the fake FCM received. Kept apart so tests/test_fault_verifier.py can show each
check fails on crafted data. Not a benchmark (the leading underscore keeps run_all.py away).
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

INFLIGHT_SLACK = 0.05        # seconds: clock reads around a kill are not atomic with the signal


@dataclass(frozen=True)
class Attempt:
    """One HTTP request a phone made. `outcome` is the status code, or refused/reset/timeout/error."""
    instance: str
    started: float
    ended: float
    outcome: int | str

    @property
    def ok(self) -> bool:
        return isinstance(self.outcome, int) and 200 <= self.outcome < 300


@dataclass(frozen=True)
class Outage:
    """A process killed at `killed_at` and answering again from `ready_at` (None: never came back)."""
    instance: str
    killed_at: float
    ready_at: float | None


@dataclass(frozen=True)
class Ack:
    """A 2xx answer to a send: what the phone now believes exists."""
    conversation_id: str
    sender_id: str
    client_msg_id: str
    message_id: str
    seq: int


@dataclass(frozen=True)
class MessageRow:
    id: str
    conversation_id: str
    sender_id: str
    client_msg_id: str
    seq: int


def excused(attempt: Attempt, outages: list[Outage]) -> bool:
    """A failed request is excused only if its process was killed while it was in flight, or if it was sent
    while that process was down or restarting."""
    for outage in outages:
        if outage.instance != attempt.instance:
            continue
        in_flight = attempt.started - INFLIGHT_SLACK <= outage.killed_at <= attempt.ended + INFLIGHT_SLACK
        back = outage.ready_at if outage.ready_at is not None else float("inf")
        while_down = outage.killed_at <= attempt.started <= back
        if in_flight or while_down:
            return True
    return False


def unexcused_failures(attempts: list[Attempt], outages: list[Outage]) -> list[Attempt]:
    """Every request that neither succeeded nor is excused by a kill: 5xx, 4xx, connection errors, timeouts."""
    return [a for a in attempts if not a.ok and not excused(a, outages)]


def verify_messages(acks: list[Ack], rows: list[MessageRow], last_seqs: dict[str, int]) -> list[str]:
    """Violations: acknowledged messages missing, duplicated or changed; gaps in seqs; last_seq out of step."""
    problems: list[str] = []
    by_key: dict[tuple[str, str, str], list[MessageRow]] = collections.defaultdict(list)
    for row in rows:
        by_key[(row.conversation_id, row.sender_id, row.client_msg_id)].append(row)
    for key, found in by_key.items():
        if len(found) > 1:
            problems.append(f"client_msg_id {key[2]} stored {len(found)} times in conversation {key[0]}")
    for ack in acks:
        found = by_key.get((ack.conversation_id, ack.sender_id, ack.client_msg_id), [])
        if not found:
            problems.append(f"acknowledged message {ack.message_id} (client_msg_id {ack.client_msg_id}) is missing")
        elif found[0].id != ack.message_id or found[0].seq != ack.seq:
            problems.append(f"acknowledged message {ack.message_id} seq {ack.seq} is stored as "
                            f"{found[0].id} seq {found[0].seq}")
    seqs: dict[str, list[int]] = collections.defaultdict(list)
    for row in rows:
        seqs[row.conversation_id].append(row.seq)
    for conversation_id in sorted(set(seqs) | set(last_seqs)):
        got = sorted(seqs.get(conversation_id, []))
        if got != list(range(1, len(got) + 1)):
            problems.append(f"conversation {conversation_id}: seqs are not 1..{len(got)} ({describe_gaps(got)})")
        if last_seqs.get(conversation_id, 0) != len(got):
            problems.append(f"conversation {conversation_id}: last_seq {last_seqs.get(conversation_id, 0)} "
                            f"but {len(got)} messages")
    return problems


def describe_gaps(seqs: list[int]) -> str:
    counts = collections.Counter(seqs)
    repeated = sorted(s for s, n in counts.items() if n > 1)
    missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(counts))
    return f"missing {missing[:10]}, repeated {repeated[:10]}"


def expected_pushes(rows: list[MessageRow], members: dict[str, set[str]],
                    tokens: dict[str, list[str]]) -> set[tuple[str, str]]:
    """(device token, message id) for every device of every member of the conversation but the sender."""
    return {(token, row.id) for row in rows for user_id in members.get(row.conversation_id, set())
            if user_id != row.sender_id for token in tokens.get(user_id, [])}


@dataclass
class PushCheck:
    expected: int
    missing: list[tuple[str, str]]
    duplicates: int                     # pushes beyond the first for the same (token, message)
    duplicated_pairs: int
    unexpected: list[tuple[str, str]]   # pushed, but for no message and device we know of

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected


def verify_pushes(expected: set[tuple[str, str]], received: collections.Counter) -> PushCheck:
    return PushCheck(
        expected=len(expected),
        missing=sorted(expected - set(received)),
        duplicates=sum(n - 1 for key, n in received.items() if key in expected and n > 1),
        duplicated_pairs=sum(1 for key, n in received.items() if key in expected and n > 1),
        unexpected=sorted(set(received) - expected),
    )


def unexplained_duplicates(received: collections.Counter, owners: dict[str, str],
                           retried: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Duplicated (token, message) pushes whose outbox row was claimed only once.

    A worker killed after FCM accepted a batch but before it recorded the results leaves its rows
    claimed; when the lease ends another worker sends them again (at least once, by design), so such
    rows show attempts > 1 (`retried`: (user id, message id)). A duplicate from a row claimed once means two
    workers sent the same row at the same time, which SKIP LOCKED and the lease are there to prevent.
    """
    return sorted(key for key, n in received.items()
                  if n > 1 and (owners.get(key[0]), key[1]) not in retried)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


def latency_by_interval(attempts: list[Attempt], start: float, interval: float) -> list[dict]:
    """Successful requests bucketed by the interval they ended in: count, p50/p95/p99 in ms."""
    buckets: dict[int, list[float]] = collections.defaultdict(list)
    for a in attempts:
        if a.ok:
            buckets[int((a.ended - start) // interval)].append((a.ended - a.started) * 1000)
    return [{"t": (i + 1) * interval, "n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95),
             "p99": percentile(v, 99)} for i, v in sorted(buckets.items())]
