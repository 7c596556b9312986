"""Sending the digest by SMTP, at most once per day and recipient.

A `sending` row is committed before a message leaves; `sent` after the server accepted it; `failed` after
the retries gave up (a later run tries again). A `sending` row left by a crash is not retried blindly: the
message may have gone out, and a double bulletin is worse than a late one; `status` shows it.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

import sqlalchemy as sa

from ..config import SmtpConfig
from ..store import Store
from ..store.schema import digest_sends
from ..update import utcnow

log = logging.getLogger("nashra.digest")
RETRIES = 3


class SendError(Exception):
    pass


@dataclass(frozen=True)
class SendReport:
    sent: tuple[str, ...]
    skipped: tuple[str, ...]  # already sent (or possibly sent) for that day
    failed: tuple[str, ...]


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=cfg.ca_file) if cfg.security != "none" else None
    if cfg.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.security == "starttls":
            client.starttls(context=context)
    if cfg.username:
        password = os.environ.get(cfg.password_env)
        if password is None:
            client.close()
            raise SendError(f"digest.smtp.username is set but the environment variable {cfg.password_env} "
                            "holding the password is not")
        client.login(cfg.username, password)
    return client


def _set(store: Store, day: str, recipient: str, status: str, error: str | None = None) -> None:
    with store.begin() as conn:
        row = conn.execute(sa.select(digest_sends.c.attempts).where(
            digest_sends.c.day == day, digest_sends.c.recipient == recipient)).first()
        values = {"status": status, "error": error, "updated_at": utcnow()}
        if row is None:
            conn.execute(digest_sends.insert().values(day=day, recipient=recipient, attempts=1, **values))
        else:
            attempts = row.attempts + (1 if status == "sending" else 0)
            conn.execute(digest_sends.update().where(digest_sends.c.day == day, digest_sends.c.recipient == recipient)
                         .values(attempts=attempts, **values))


def send_digest(store: Store, cfg: SmtpConfig, message: EmailMessage, day: date, recipients: tuple[str, ...],
                sleep=time.sleep) -> SendReport:
    key = day.isoformat()
    with store.engine.connect() as conn:
        state = dict(conn.execute(sa.select(digest_sends.c.recipient, digest_sends.c.status)
                                  .where(digest_sends.c.day == key)).all())
    sent, skipped, failed = [], [], []
    for recipient in recipients:
        if state.get(recipient) in ("sent", "sending"):
            skipped.append(recipient)
            if state[recipient] == "sending":
                log.warning("digest %s to %s: an earlier attempt was interrupted and may have been delivered; "
                            "not sent again", key, recipient)
            continue
        _set(store, key, recipient, "sending")
        error = None
        for attempt in range(RETRIES):
            try:
                with _connect(cfg) as client:
                    client.send_message(message, to_addrs=[recipient])
                error = None
                break
            except (smtplib.SMTPException, OSError, SendError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("digest %s to %s: attempt %d failed: %s", key, recipient, attempt + 1, error)
                if isinstance(exc, (SendError, smtplib.SMTPAuthenticationError)):
                    break  # retrying will not fix a missing password or a refused login
                if attempt + 1 < RETRIES:
                    sleep(2 ** attempt)
        if error is None:
            _set(store, key, recipient, "sent")
            sent.append(recipient)
            log.info("digest %s sent to %s", key, recipient)
        else:
            _set(store, key, recipient, "failed", error)
            failed.append(recipient)
    return SendReport(sent=tuple(sent), skipped=tuple(skipped), failed=tuple(failed))
