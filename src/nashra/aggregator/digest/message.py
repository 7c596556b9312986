"""The digest as an email: multipart/alternative (text/plain first, then text/html), UTF-8, an Arabic
subject encoded per RFC 2047 by the email package, a Date and a Message-ID."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit


def build_message(*, subject: str, sender: str, recipients: tuple[str, ...], text: str, html: str,
                  site_url: str, when: datetime, day: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(idstring=f"digest-{day}", domain=urlsplit(site_url).hostname or "localhost")
    message["Content-Language"] = "ar"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message
