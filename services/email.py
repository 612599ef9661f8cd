"""Outgoing email behind a small interface: SMTP when SMTP_URL is set, otherwise a log line.

The only importer of smtplib. Services call `send(...)` after their commit; a failure to deliver
is logged and never fails the request (nor tells the caller whether an account exists).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger("peerless.email")
EXTENSION_KEY = "peerless.email_sender"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str


class EmailSender(Protocol):
    def send(self, email: Email) -> None: ...


class LogEmailSender:
    """Development stand-in: logs the whole message (links included) in development only.

    Anywhere else it logs that a message was not delivered, never its recipient or body, because
    a reset link in a shared log is a key to someone's account.
    """

    def __init__(self, *, environment: str):
        self.environment = environment
        if environment == "development" and not log.handlers and log.level == logging.NOTSET:
            # Python's default (warnings only, on the root logger) would hide the link in `make run`.
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)

    def send(self, email: Email) -> None:
        if self.environment == "development":
            log.info("email to %s: %s\n%s", email.to, email.subject, email.text)
        else:
            log.warning("email not delivered (SMTP_URL is not set): %s", email.subject)


class SmtpEmailSender:
    """Sends through an SMTP server given as a URL:

    - `smtps://user:pass@host:465`: TLS from the first byte;
    - `smtp+starttls://user:pass@host:587`: STARTTLS, required (no silent fall back to plain text);
    - `smtp://host:25`: plain, for a relay on the same machine or network only.

    Delivery runs on a background thread so a request that sends mail takes as long as one that
    does not (a reset request for an unknown address must not answer measurably faster).
    """

    def __init__(self, url: str, *, mail_from: str, background: bool = True, timeout: float = 10.0):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtps://user:password@host:465")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from, self.timeout = mail_from, timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="email") if background else None

    def send(self, email: Email) -> None:
        if self._executor is None:
            self._deliver(email)
        else:
            self._executor.submit(self._deliver, email)

    def _deliver(self, email: Email) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.mail_from, email.to, email.subject
        message.set_content(email.text)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # Never the body or recipient: the body carries a live reset link.
            log.error("email not delivered (%s): %s", type(error).__name__, email.subject)

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.scheme == "smtp+starttls":
            try:
                smtp.starttls(context=context)  # raises when the server offers no STARTTLS
            except BaseException:
                smtp.close()
                raise
        return smtp


def sender() -> EmailSender:
    """This app's sender, built from its configuration on first use (tests put a fake in its place)."""
    extensions = current_app.extensions
    if EXTENSION_KEY not in extensions:
        config = current_app.config
        if config.get("SMTP_URL"):
            extensions[EXTENSION_KEY] = SmtpEmailSender(config["SMTP_URL"], mail_from=config["MAIL_FROM"])
        else:
            extensions[EXTENSION_KEY] = LogEmailSender(environment=config["PEERLESS_ENV"])
    return extensions[EXTENSION_KEY]


def send(email: Email) -> None:
    """Hand a message to the configured sender; delivery problems are logged, never raised."""
    try:
        sender().send(email)
    except Exception:  # noqa: BLE001 - whatever the adapter does, the request has already succeeded
        log.error("email not delivered: %s", email.subject, exc_info=True)
