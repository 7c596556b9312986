"""The daily digest: selection, email-ready HTML, the .eml structure, and SMTP on a real loopback server."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import trustme
from aiosmtpd.controller import Controller

from conftest import feeds_config, rss, sample_items, write_config
from nashra.aggregator.cli import main
from nashra.aggregator.config import load_config
from nashra.aggregator.digest import build_digest
from nashra.aggregator.digest.select import day_bounds, select_digest
from nashra.aggregator.digest.send import send_digest
from nashra.aggregator.models import StoredItem
from nashra.aggregator.publish.stories import StoryView
from nashra.aggregator.store import Store

RIYADH = ZoneInfo("Asia/Riyadh")


def item(i: int, feed: str, when: datetime, title: str = "خبر") -> StoredItem:
    return StoredItem(id=i, feed_id=i, feed_name=feed, feed_url=f"https://{i}.example/rss", feed_site_link=None,
                      title=f"{title} {i}", link=f"https://{i}.example/a", summary_html="", text="نص", author="",
                      categories=(), published=when, updated=when, identity=f"g{i}")


def view(i: int, when: datetime, outlets: int = 1, topics: tuple[str, ...] = ()) -> StoryView:
    items = [item(i * 10 + k, f"مصدر {k}", when) for k in range(outlets)]
    return StoryView(id=i, founder=items[0], representative=items[0], others=tuple(items[1:]), topics=topics,
                     scores=tuple((t, 0.9) for t in topics))


def test_selection_by_local_day_topic_and_rank():
    day = date(2026, 11, 28)
    start, end = day_bounds(day, RIYADH)
    assert start == datetime(2026, 11, 27, 21, tzinfo=timezone.utc)
    views = [
        view(1, start + timedelta(hours=1), outlets=1, topics=("arab_world",)),
        view(2, start + timedelta(hours=2), outlets=3, topics=("arab_world", "security")),
        view(3, start + timedelta(hours=3), outlets=1, topics=("international",)),
        view(4, start + timedelta(hours=4), outlets=1),
        view(5, start - timedelta(minutes=1), outlets=5, topics=("security",)),  # the day before, local time
        view(6, end, outlets=5, topics=("security",)),  # the day after
    ]
    digest = select_digest(views, day, RIYADH, max_per_section=1)
    assert [s.topic for s in digest.sections] == ["arab_world", "international", "other"]
    assert [v.id for v in digest.sections[0].stories] == [2] and digest.sections[0].more == 1
    assert digest.stories == 4 and digest.items == 6
    assert {b.label: b.count for b in digest.chart} == {"العالم العربي": 2, "دولي": 1, "أمن": 1, "أخبار أخرى": 1}


def config_for(tmp_path, url, extra=""):
    return feeds_config(tmp_path, [("<b>صحيفة</b> & شركاه", url)], "timezone: Asia/Riyadh",
                        "site_url: https://nashra.example/", extra)


HOSTILE = {"title": "<script>alert(1)</script>قمة <img src=x onerror=alert(1)> للشعر في نواكشوط", "guid": "evil",
           "link": "javascript:alert(1)", "date": "Sat, 28 Nov 2026 10:00:00 +0300",
           "description": '<p onclick="x()">تفاصيل</p><iframe src="https://evil.example"></iframe>'}


def test_digest_files_are_email_ready(tmp_path, server, capsys):
    items = sample_items(12, start_day=28) + [HOSTILE]
    for i, it in enumerate(items):
        it["date"] = f"Sat, 28 Nov 2026 {8 + i % 12:02d}:{i:02d}:00 +0300"
    url = server.route("/feed", rss(items))
    cfg = str(config_for(tmp_path, url))
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert main(["--config", cfg, "digest", "--date", "2026-11-28"]) == 0
    folder = tmp_path / "public" / "digest"
    html = (folder / "2026-11-28.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html dir="rtl" lang="ar">' in html
    assert len(html.encode()) < 100_000
    assert "<script" not in html and "onerror" not in html and "onclick" not in html and "javascript:" not in html
    assert "<iframe" not in html and "alert(1)" not in html and "قمة" in html  # markup in titles is dropped
    assert "<link" not in html and "@import" not in html and "<table" in html
    assert 'style="' in html  # CSS inlined
    assert "@media (prefers-color-scheme: dark)" in html  # kept for clients that read it
    assert "العالم العربي" in html or "أخبار أخرى" in html
    assert "&lt;b&gt;صحيفة&lt;/b&gt; &amp; شركاه" in html  # outlet names are escaped too
    text = (folder / "2026-11-28.txt").read_text(encoding="utf-8")
    assert "قمة" in text and "13 قصة" in text

    message = email.message_from_bytes((folder / "2026-11-28.eml").read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    raw = (folder / "2026-11-28.eml").read_bytes().decode("ascii")  # 7-bit clean on the wire
    subject_line = [line for line in raw.splitlines() if line.startswith("Subject:")][0]
    assert "=?utf-8?" in subject_line.lower()
    assert "نشرة" in str(message["Subject"]) and message["Date"] and message["Message-ID"].endswith("@nashra.example>")

    first = html
    assert main(["--config", cfg, "digest", "--date", "2026-11-28"]) == 0  # re-running rewrites the same files
    assert (folder / "2026-11-28.html").read_text(encoding="utf-8") == first
    assert main(["--config", cfg, "digest", "--date", "28/11/2026"]) == 2
    assert main(["--config", cfg, "digest", "--send"]) == 2  # no recipients configured


class Inbox:
    def __init__(self):
        self.messages = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.fail_next:
            self.fail_next -= 1
            return "451 try again later"
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Logins:
    """An aiosmtpd authenticator that accepts one user and remembers who logged in."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password, self.seen = user, password, []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        self.seen.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    logins = Logins("digest-bot", "s3cret")
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=logins, auth_require_tls=True)
    inbox.logins = logins
    controller.start()
    yield controller, inbox, ca_file
    controller.stop()


def test_send_once_per_day_with_starttls_login_and_retry(tmp_path, server, smtp_server, capsys, monkeypatch):
    controller, inbox, ca_file = smtp_server
    monkeypatch.setenv("NASHRA_TEST_SMTP_PASSWORD", "s3cret")
    url = server.route("/feed", rss(sample_items(3, start_day=28)))
    cfg = config_for(tmp_path, url, extra="\n".join([
        "digest:", "  recipients: [reader@example.com, other@example.com]", "  from: نشرة <digest@nashra.example>",
        "  smtp:", "    host: localhost", f"    port: {controller.port}", "    security: starttls",
        "    username: digest-bot", "    password_env: NASHRA_TEST_SMTP_PASSWORD", f"    ca_file: {ca_file}"]))
    assert main(["--config", str(cfg), "run", "--once"]) == 0
    inbox.fail_next = 1  # the first attempt is refused with a temporary error, the retry goes through
    assert main(["--config", str(cfg), "digest", "--date", "2026-11-28", "--send"]) == 0
    assert "sent to 2" in capsys.readouterr().out
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == ["other@example.com", "reader@example.com"]
    received = email.message_from_bytes(inbox.messages[0][1], policy=email.policy.default)
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    assert "2026-11-28" in str(received["Subject"])
    html = received.get_body(("html",)).get_content()
    assert "<html" in html and sample_items(1)[0]["title"] in html
    assert main(["--config", str(cfg), "digest", "--date", "2026-11-28", "--send"]) == 0
    assert "already sent to 2" in capsys.readouterr().out and len(inbox.messages) == 2  # never twice
    assert inbox.logins.seen and all(ok for _, ok in inbox.logins.seen)  # logged in, over TLS only


def test_a_failed_send_is_recorded_and_retried_later(tmp_path):
    cfg = load_config(write_config(tmp_path, f"database: sqlite:///var/n.db\ndigest:\n  recipients: [a@example.com]\n"
                                             f"  smtp:\n    port: {free_port()}\n    security: none\nfeeds: []\n"))
    store = Store(cfg.database)
    files = build_digest(cfg, store, date(2026, 11, 28))
    report = send_digest(store, cfg.digest.smtp, files.message, date(2026, 11, 28), ("a@example.com",),
                         sleep=lambda s: None)
    assert report.failed == ("a@example.com",)
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT status, attempts, error FROM digest_sends").one()
    assert row[0] == "failed" and row[1] == 1 and "Connection refused" in row[2]
    report = send_digest(store, cfg.digest.smtp, files.message, date(2026, 11, 28), ("a@example.com",),
                         sleep=lambda s: None)
    assert report.failed == ("a@example.com",)  # tried again, not skipped
    store.close()


def test_index_page_has_autodiscovery_and_no_script(tmp_path, server):
    url = server.route("/feed", rss(sample_items(3) + [HOSTILE]))
    cfg = str(config_for(tmp_path, url))
    assert main(["--config", cfg, "run", "--once"]) == 0
    page = (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
    assert '<html dir="rtl" lang="ar">' in page and "<script" not in page and "javascript:" not in page
    assert 'type="application/atom+xml"' in page and "https://nashra.example/feed.atom" in page
    for topic in ("arab_world", "international", "security"):
        assert f"https://nashra.example/topics/{topic}.atom" in page
        assert (tmp_path / "public" / "topics" / f"{topic}.atom").exists()
