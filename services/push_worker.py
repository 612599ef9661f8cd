"""Drains the push outbox: claim due rows under a lease, send, then record each outcome.

Delivery is at least once. A claim is a lease (`claimed_until`): a worker that dies between
claiming and recording loses its rows when the lease ends, and another worker takes them.
Devices already reached are remembered per row, so a retry only goes to the ones still owed.
On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets several workers share the outbox without waiting
on each other; SQLite serialises writers, so one worker is enough there.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, or_, select, update

from models import Device, Message, Notification, OutboxStatus, PushOutbox, User, db, utcnow
from services import metrics, notifications, presence, push_gateway
from services.quiet_hours import is_quiet
from services.push_gateway import Outcome, PushGateway, PushMessage, SendResult

log = logging.getLogger("peerless.push")
_OUTBOX = PushOutbox.__table__

LOCK_SCREEN_TEXT = {
    "message": ("Peerless", "New message"),
    "connection_request": ("Peerless", "Someone would like to connect with you"),
    "connection_accepted": ("Peerless", "Your connection request was accepted"),
    "check_in_reminder": ("Peerless", "Time for your check-in"),
}
DEFAULT_TEXT = ("Peerless", "You have a new notification")
PREVIEW_LENGTH = 120


@dataclass
class DrainStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    messages: int = 0
    devices_removed: int = 0
    released: int = 0  # claimed, then given back unsent because the worker is stopping


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 10.0
    cap_seconds: float = 1800.0

    def delay(self, attempts: int, retry_after: float | None) -> float:
        """Exponential backoff with ±20% jitter, never sooner than FCM's Retry-After."""
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return max(backoff * random.uniform(0.8, 1.2), retry_after or 0.0)


@dataclass
class _Claim:
    row_id: str
    user_id: str
    notification_id: str
    silent: bool
    attempts: int
    delivered: list[str]
    lease_until: datetime  # still ours at settling time only if the row says so
    sends: list[tuple[str, PushMessage]] = field(default_factory=list)  # (device id, message)


class PushWorker:
    def __init__(self, gateway: PushGateway, *, batch_size: int = 500, lease_seconds: int = 120,
                 settle_every: int = 50, retry: RetryPolicy | None = None):
        self.gateway = gateway
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        # Results are recorded after every `settle_every` rows: a worker killed mid-batch leaves at most
        # that many rows sent-but-unrecorded (sent again after the lease) instead of the whole batch.
        self.settle_every = settle_every
        self.retry = retry or RetryPolicy()
        self._dead_at_claim = 0

    def drain_once(self, stop=None) -> DrainStats:
        """Claim one batch of due rows, then send and record them `settle_every` rows at a time. If `stop`
        (a threading.Event) is set, the rows not yet sending are released; a chunk being sent is finished."""
        claims = self._claim()
        stats = DrainStats(claimed=len(claims), dead=self._dead_at_claim)
        if not claims:
            metrics.record_drain(stats)
            return stats
        self._plan(claims)
        for start in range(0, len(claims), self.settle_every):
            if stop is not None and stop.is_set():
                stats.released = self._release(claims[start:])
                break
            if start:
                claims[start:] = self._renew(claims[start:])
                if len(claims) <= start:
                    break
            self._send_and_record(claims[start:start + self.settle_every], stats)
        metrics.record_drain(stats)
        return stats

    def _renew(self, claims: list[_Claim]) -> list[_Claim]:
        """Extend the lease over the rows not sent yet, so a slow batch never outlives its claim; a row
        whose lease already passed to another worker is left to that worker (sending it too would be a
        duplicate). All rows of one batch share one lease time. One UPDATE … RETURNING."""
        until, ids = utcnow() + self.lease, [c.row_id for c in claims]
        renewed = set(db.session.scalars(
            update(_OUTBOX).where(_OUTBOX.c.id.in_(ids), _OUTBOX.c.claimed_until == claims[0].lease_until)
            .values(claimed_until=until).returning(_OUTBOX.c.id)))
        db.session.commit()
        kept = [c for c in claims if c.row_id in renewed]
        for claim in kept:
            claim.lease_until = until
        return kept

    def _send_and_record(self, claims: list[_Claim], stats: DrainStats) -> None:
        sends = [(claim, device_id, message) for claim in claims for device_id, message in claim.sends]
        results = self.gateway.send([message for _, _, message in sends]) if sends else []
        stats.messages += len(sends)
        self._record(claims, sends, results, stats)

    def drain(self, max_batches: int = 1000) -> DrainStats:
        """Drain until nothing is due (bounded)."""
        total = DrainStats()
        for _ in range(max_batches):
            stats = self.drain_once()
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            if stats.claimed == 0 and stats.dead == 0:
                break
        return total

    def _claim(self) -> list[_Claim]:
        """Two statements, one transaction: dead-letter due rows whose workers kept dying, then lease the
        next batch with one UPDATE … RETURNING over a `FOR UPDATE SKIP LOCKED` subquery (PostgreSQL;
        SQLite has one writer at a time and no row locks, so the subquery is plain there)."""
        now = utcnow()
        self._dead_at_claim = 0
        dead = db.session.execute(
            update(_OUTBOX).where(_OUTBOX.c.id.in_(self._due(now, last_attempt=True)))
            .values(status=OutboxStatus.DEAD, finished_at=now, claimed_until=None,
                    last_error=func.coalesce("worker lost its lease on the last attempt; before that: "
                                             + _OUTBOX.c.last_error, "worker lost its lease on the last attempt"))
            .returning(_OUTBOX.c.id, _OUTBOX.c.attempts, _OUTBOX.c.last_error)).all()
        for row in dead:
            # Only a lost lease gets here (a worker died on each try): give up visibly, not forever.
            log.error("push dead-lettered after %s attempts: %s", row.attempts, row.last_error)
        self._dead_at_claim = len(dead)
        until = now + self.lease
        rows = db.session.execute(
            update(_OUTBOX).where(_OUTBOX.c.id.in_(self._due(now, last_attempt=False)))
            .values(claimed_until=until, attempts=_OUTBOX.c.attempts + 1)
            .returning(_OUTBOX.c.id, _OUTBOX.c.user_id, _OUTBOX.c.notification_id, _OUTBOX.c.silent,
                       _OUTBOX.c.attempts, _OUTBOX.c.delivered_device_ids, _OUTBOX.c.next_attempt_at)).all()
        db.session.commit()
        rows.sort(key=lambda r: r.next_attempt_at)  # RETURNING keeps no order; send the oldest first
        return [_Claim(r.id, r.user_id, r.notification_id, r.silent, r.attempts, list(r.delivered_device_ids or []),
                       until) for r in rows]

    def _due(self, now: datetime, *, last_attempt: bool):
        """Ids of pending, due, unleased rows (oldest first), locked and skipped if another worker holds them."""
        attempts = (_OUTBOX.c.attempts >= self.retry.max_attempts if last_attempt
                    else _OUTBOX.c.attempts < self.retry.max_attempts)
        return (select(_OUTBOX.c.id)
                .where(_OUTBOX.c.status == OutboxStatus.PENDING, _OUTBOX.c.next_attempt_at <= now,
                       or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < now), attempts)
                .order_by(_OUTBOX.c.next_attempt_at).limit(self.batch_size)
                .with_for_update(skip_locked=True).scalar_subquery())

    def _plan(self, claims: list[_Claim]) -> None:
        """Decide, per claimed row, which devices get what (read-only; runs outside any lock)."""
        # Plain rows with only the columns used (no ORM objects): four statements per batch.
        user_ids = {c.user_id for c in claims}
        users = {u.id: u for u in db.session.execute(
            select(User.id, User.settings, User.timezone).where(User.id.in_(user_ids)))}
        devices: dict[str, list] = {}
        for device in db.session.execute(select(Device.id, Device.user_id, Device.token)
                                         .where(Device.user_id.in_(user_ids))):
            devices.setdefault(device.user_id, []).append(device)
        badges = notifications.unread_counts(user_ids)
        notes = {n.id: n for n in db.session.execute(
            select(Notification.id, Notification.user_id, Notification.type, Notification.data,
                   Notification.conversation_id)
            .where(Notification.id.in_([c.notification_id for c in claims])))}
        # No push for a message whose conversation the person has open right now.
        being_read = presence.viewing({(n.user_id, n.conversation_id or "") for n in notes.values()
                                       if n.type == "message"})
        now = utcnow()
        for claim in claims:
            notification = notes.get(claim.notification_id)
            user = users.get(claim.user_id)
            if notification is None or user is None or (
                    notification.type == "message" and (notification.user_id, notification.conversation_id or "")
                    in being_read):
                continue
            title, body = _lock_screen_text(notification, user)
            collapse = _collapse_key(notification)
            # Quiet hours are checked again now: a retry may go out hours after the row was written.
            silent = claim.silent or is_quiet((user.settings or {}).get("notifications", {}).get("quiet_hours"),
                                              user.timezone, now)
            for device in devices.get(claim.user_id, []):
                if device.id not in claim.delivered:
                    claim.sends.append((device.id, PushMessage(
                        token=device.token, title=title, body=body, badge=badges.get(claim.user_id, 0),
                        data={"type": notification.type, "notification_id": notification.id, **notification.data},
                        collapse_key=collapse, silent=silent)))
        db.session.rollback()

    def _release(self, claims: list[_Claim]) -> int:
        """Give back rows this worker claimed but will not send: another worker may take them at once
        rather than when the lease ends, and the claim does not count as an attempt."""
        rows = db.session.scalars(
            select(PushOutbox).where(PushOutbox.id.in_([c.row_id for c in claims]))
            .with_for_update().execution_options(populate_existing=True))
        leases = {c.row_id: c.lease_until for c in claims}
        released = 0
        for row in rows:
            if row.claimed_until == leases[row.id]:  # still ours: a lost lease belongs to the new owner
                row.claimed_until, row.attempts = None, row.attempts - 1
                released += 1
        db.session.commit()
        log.info("push worker stopping: released %s claimed rows unsent", released)
        return released

    def _record(self, claims, sends, results: list[SendResult], stats: DrainStats) -> None:
        """Settle a chunk in a few statements: delete the devices that are gone, lock the chunk's rows
        (their lease and delivered devices only), then one executemany UPDATE per kind of outcome."""
        by_row: dict[str, list[tuple[str, SendResult]]] = {}
        for (claim, device_id, _), result in zip(sends, results):
            by_row.setdefault(claim.row_id, []).append((device_id, result))
        gone = [device_id for outcomes in by_row.values() for device_id, r in outcomes
                if r.outcome == Outcome.DEVICE_GONE]
        if gone:
            db.session.execute(delete(Device).where(Device.id.in_(gone)))
            stats.devices_removed += len(gone)
        rows = {row.id: row for row in db.session.execute(
            select(_OUTBOX.c.id, _OUTBOX.c.claimed_until, _OUTBOX.c.delivered_device_ids, _OUTBOX.c.attempts)
            .where(_OUTBOX.c.id.in_([c.row_id for c in claims])).with_for_update())}
        now = utcnow()
        settled: dict[tuple, list[dict]] = {}
        for claim in claims:
            row = rows.get(claim.row_id)
            if row is None:
                continue
            outcomes = by_row.get(claim.row_id, [])
            reached = [d for d, r in outcomes if r.outcome == Outcome.DELIVERED]
            delivered = list(dict.fromkeys(list(row.delivered_device_ids or []) + reached))
            if row.claimed_until != claim.lease_until:
                # Our lease ran out and another worker owns the row now: remember whom we reached
                # (so it isn't sent there again) but leave status and claim to the new owner.
                values = {"delivered_device_ids": delivered}
                log.warning("push worker lost its lease on %s; left it to the new owner", claim.row_id)
            else:
                values = self._settle(row.attempts, outcomes, now, stats) | {
                    "delivered_device_ids": delivered, "claimed_until": None}
            settled.setdefault(tuple(sorted(values)), []).append(
                {f"new_{k}": v for k, v in values.items()} | {"row_id": claim.row_id})
        for columns, params in settled.items():  # bind names may not be column names in an executemany
            db.session.execute(update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"))
                               .values({c: bindparam(f"new_{c}") for c in columns}), params)
        db.session.commit()

    def _settle(self, attempts: int, outcomes: list[tuple[str, SendResult]], now: datetime,
                stats: DrainStats) -> dict:
        """The row's new columns after this attempt: sent, rescheduled with backoff, or dead-lettered."""
        retry = [r for _, r in outcomes if r.outcome in (Outcome.RETRY, Outcome.AUTH_ALERT)]
        failed = [r for _, r in outcomes if r.outcome == Outcome.FAILED]
        for result in retry:
            if result.outcome == Outcome.AUTH_ALERT:
                log.error("ALERT push credentials rejected by FCM (APNs/web push auth); tokens kept: %s", result.error)
        if retry and attempts < self.retry.max_attempts:
            delay = self.retry.delay(attempts, max((r.retry_after or 0) for r in retry))
            stats.retried += 1
            return {"next_attempt_at": now + timedelta(seconds=delay), "last_error": retry[0].error}
        if retry or failed:
            error = (retry or failed)[0].error
            log.error("push dead-lettered after %s attempts: %s", attempts, error)
            stats.dead += 1
            return {"status": OutboxStatus.DEAD, "finished_at": now, "last_error": error}
        stats.sent += 1
        return {"status": OutboxStatus.SENT, "finished_at": now, "last_error": None}


def _lock_screen_text(notification: Notification, user: User) -> tuple[str, str]:
    previews = (user.settings or {}).get("notifications", {}).get("message_previews", False)
    if notification.type == "message" and previews:
        message = db.session.get(Message, notification.data.get("message_id", ""))
        if message is not None and message.body is not None:
            sender = db.session.get(User, message.sender_id)
            return (sender.display_name if sender else "Peerless"), _shorten(message.body)
    return LOCK_SCREEN_TEXT.get(notification.type, DEFAULT_TEXT)


def _collapse_key(notification: Notification) -> str:
    # One notification per conversation on the lock screen; other kinds collapse only with themselves.
    return f"c:{notification.conversation_id}" if notification.conversation_id else f"n:{notification.id}"


def _shorten(text: str) -> str:
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 1] + "…"


def worker_for(config: Mapping) -> PushWorker:
    """The worker every runner uses (CLI loop, RQ job, in-process thread), tuned by PUSH_* settings."""
    return PushWorker(push_gateway.build_gateway(config), batch_size=config["PUSH_BATCH_SIZE"],
                      lease_seconds=config["PUSH_LEASE_SECONDS"], settle_every=max(1, config["PUSH_SETTLE_EVERY"]),
                      retry=RetryPolicy(max_attempts=config["PUSH_MAX_ATTEMPTS"]))


def dead_letters(limit: int = 100) -> list[PushOutbox]:
    """Pushes given up on, newest first: for operators (CLI and console)."""
    return list(db.session.scalars(select(PushOutbox).where(PushOutbox.status == OutboxStatus.DEAD)
                                   .order_by(PushOutbox.finished_at.desc()).limit(limit)))


def dead_letter_count() -> int:
    """How many pushes were given up on (the console's dashboard; the CLI lists them)."""
    return db.session.scalar(select(func.count()).select_from(PushOutbox).where(PushOutbox.status == OutboxStatus.DEAD))


def requeue_dead_letters() -> int:
    """Give every dead-lettered push another full set of attempts (after fixing the cause)."""
    rows = dead_letters(limit=10_000)
    for row in rows:
        row.status, row.attempts, row.next_attempt_at, row.finished_at = OutboxStatus.PENDING, 0, utcnow(), None
    db.session.commit()
    return len(rows)


def run_forever(worker: PushWorker, *, interval: float, stop, every_minute=None) -> None:
    """Poll until `stop` (a threading.Event) is set; a batch being sent is finished, one claimed but
    not yet sending is released (PushWorker.drain_once).
    `every_minute`, if given, also runs about once a minute (the scheduled jobs under `make run`)."""
    next_minute = 0.0
    while not stop.is_set():
        try:
            if every_minute is not None and time.monotonic() >= next_minute:
                next_minute = time.monotonic() + 60
                every_minute()
            stats = worker.drain_once(stop)
        except Exception:  # noqa: BLE001 - a dead database must not kill the worker; rows stay claimed-then-leased
            log.exception("push drain failed; retrying")
            db.session.rollback()
            stats = DrainStats()
        if stats.claimed == 0:
            stop.wait(interval)


def next_due_at():
    """When the earliest pending push becomes due, or None when the outbox is empty."""
    return db.session.scalar(select(PushOutbox.next_attempt_at).where(PushOutbox.status == OutboxStatus.PENDING)
                             .order_by(PushOutbox.next_attempt_at).limit(1))
