"""The SMTP mailer in a real SMTP conversation (workflow.reminders.mail.SmtpMailer, chosen by
TDKT_SMTP_URL), against a scripted server on a thread (standard library sockets): what goes on the
wire — the envelope, the headers with a Vietnamese subject, the UTF-8 body — and what a refusing, a
silent or an absent server does to the outbox row (recorded, retried with back-off, then parked;
the others of the batch still go, over a reopened connection)."""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests.reminders.conftest import DEADLINE, NOW
from workflow.reminders import config, mail
from workflow.reminders.delivery import deliver
from workflow.reminders.models import Notification, Reminder
from workflow.reminders.services import scan

SENDER = "tdkt@dinhbien.example"


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: ScriptedSmtp = self.server.script  # type: ignore[attr-defined]
        with server.lock:
            server.connections += 1
        if server.silent:  # a server that never greets: the client's timeout must end it
            server.stop.wait(30)
            return
        self.say("220 mx.test ESMTP")
        txn: dict = {}
        while True:
            try:
                raw = self.rfile.readline()
            except OSError:
                return
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.say("250-mx.test\r\n250-8BITMIME\r\n250 SIZE 10000000")
            elif verb == "MAIL":
                address, *params = line.split(":", 1)[1].strip().split(" ")
                txn = {"mail_from": address, "mail_params": params, "rcpt_to": []}
                self.say("250 2.1.0 ok")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip().split(" ")[0]
                if address.strip("<>") in server.unknown:
                    self.say("550 5.1.1 mailbox unavailable")
                else:
                    txn["rcpt_to"].append(address)
                    self.say("250 2.1.5 ok")
            elif verb == "DATA":
                self.say("354 end with <CRLF>.<CRLF>")
                chunks = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    if chunk == b".\r\n":
                        break
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                txn["data"] = b"".join(chunks)
                reply = server.data_reply
                if reply.startswith("250"):
                    with server.lock:
                        server.accepted.append(txn)
                self.say(reply)
            elif verb == "RSET":
                txn = {}
                self.say("250 ok")
            elif verb == "NOOP":
                self.say("250 ok")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("502 5.5.2 not implemented")


class ScriptedSmtp:
    def __init__(self):
        self.accepted: list[dict] = []
        self.connections = 0
        self.unknown: set[str] = set()  # RCPT refused (550) for these addresses
        self.data_reply = "250 2.0.0 queued"
        self.silent = False
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.script = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server.server_address[1]}"

    def messages(self) -> dict[str, tuple[dict, email.message.EmailMessage]]:
        """Recipient → (envelope, parsed message) of everything accepted."""
        out = {}
        for txn in self.accepted:
            msg = email.message_from_bytes(txn["data"], policy=email.policy.default)
            for rcpt in txn["rcpt_to"]:
                out[rcpt.strip("<>")] = (txn, msg)
        return out

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp(app):
    server = ScriptedSmtp()
    app.config.update(TDKT_SMTP_URL=server.url, TDKT_MAIL_FROM=SENDER)
    yield server
    server.close()


NOMINATORS = {"xom_nato", "xom_dongdau", "hieutruong"}


def _reminders(commune, session) -> dict[str, int]:
    """The three nominators' reminders (a round closing in three days); recipient address → row id."""
    commune.round(2025, DEADLINE)
    scan(session, NOW)
    rows = session.scalars(select(Reminder)).all()
    addresses = {u.id: u.email for u in commune.users.values()}
    assert {addresses[r.recipient_id].split("@")[0] for r in rows} == NOMINATORS
    return {addresses[r.recipient_id]: r.id for r in rows}


def _rows(session) -> dict[int, tuple]:
    session.expire_all()
    return {r.id: (r.status, r.attempts, r.last_error) for r in session.scalars(select(Reminder))}


def test_the_wire_carries_the_envelope_headers_and_utf8_text(app, session, commune, smtp):
    nato = commune.users["n_nato"]
    nato.full_name = "Hoàng Văn Tú"
    session.commit()
    ids = _reminders(commune, session)
    with app.app_context():
        result = deliver(session)  # the mailer TDKT_SMTP_URL asks for
    assert result.sent == 3 and smtp.connections == 1  # one connection for the batch
    got = smtp.messages()
    assert set(got) == set(ids)
    for address, (txn, msg) in got.items():
        assert txn["mail_from"] == f"<{SENDER}>" and txn["rcpt_to"] == [f"<{address}>"]
        assert msg["From"] == SENDER and msg["To"] == address
        assert msg["Message-ID"] == f"<reminder-{ids[address]}@dinhbien.example>"
        assert msg["X-TDKT-Reminder"] == str(ids[address]) and msg["Auto-Submitted"] == "auto-generated"
        assert msg["Date"]
        # every header line is 7-bit on the wire (RFC 2047 for the Vietnamese subject)
        head = txn["data"].split(b"\r\n\r\n", 1)[0]
        assert head.isascii() and b"=?utf-8?" in head.lower()
    _txn, msg = got[nato.email]
    with app.test_request_context("/"), force_locale("vi"):
        hello = _("Hello %(name)s,", name="Hoàng Văn Tú")
        sign_in = _("Sign in to TĐKT to see all your notifications.")
    subject = msg["Subject"]
    assert "31/10/2025" in subject and subject != subject.encode("ascii", "ignore").decode()  # diacritics survive
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert body.startswith(hello + "\n\n") and sign_in in body
    # the decoded message is the one the mailer composed, byte for byte in its text
    with app.app_context():
        row = session.get(Reminder, ids[nato.email])
        composed = mail.reminder_message(row, nato)
    assert (subject, body) == (composed["Subject"], composed.get_content())
    session.expire_all()
    assert {s for s, _a, _e in _rows(session).values()} == {"sent"}
    assert session.scalar(select(func.count()).select_from(Notification)) == 3


def test_a_refused_recipient_is_retried_and_the_others_still_go(app, session, commune, smtp):
    config.update_policies(session, None, delivery={"max_attempts": 2, "retry_base_seconds": 60})
    ids = _reminders(commune, session)
    refused = min(ids, key=ids.get)  # the first of the batch: the others come after the refusal
    smtp.unknown = {refused}
    with app.app_context():
        result = deliver(session)
    assert (result.sent, result.retried) == (2, 1)
    assert set(smtp.messages()) == set(ids) - {refused}
    rows = _rows(session)
    status, attempts, error = rows[ids[refused]]
    assert (status, attempts) == ("pending", 1) and error.startswith("SMTPRecipientsRefused") and "550" in error
    assert smtp.connections == 2  # the connection was reopened after the refusal
    row = session.get(Reminder, ids[refused])
    assert row.next_attempt_at > row.created_at + timedelta(seconds=50)  # backing off
    # the second refusal parks it, with the reason; no notification for it
    session.execute(Reminder.__table__.update().values(next_attempt_at=NOW))
    session.commit()
    with app.app_context():
        assert deliver(session).failed == 1
    status, attempts, error = _rows(session)[ids[refused]]
    assert (status, attempts) == ("failed", 2) and "550" in error
    assert session.scalar(select(func.count()).select_from(Notification)) == 2


def test_a_temporary_refusal_of_the_data_accepts_nothing_then_the_retry_sends(app, session, commune, smtp):
    config.update_policies(session, None, delivery={"max_attempts": 3, "retry_base_seconds": 60})
    ids = _reminders(commune, session)
    smtp.data_reply = "451 4.3.0 try again later"
    with app.app_context():
        assert deliver(session).retried == 3
    assert smtp.accepted == []
    rows = _rows(session)
    assert all(s == "pending" and a == 1 and e.startswith("SMTPDataError") and "451" in e for s, a, e in rows.values())
    assert all(r.next_attempt_at > r.created_at + timedelta(seconds=50) for r in session.scalars(select(Reminder)))
    with app.app_context():
        assert deliver(session).claimed == 0  # backing off
    smtp.data_reply = "250 2.0.0 queued"
    session.execute(Reminder.__table__.update().values(next_attempt_at=NOW))
    session.commit()
    with app.app_context():
        assert deliver(session).sent == 3
    assert set(smtp.messages()) == set(ids) and len(smtp.accepted) == 3
    assert {(s, a, e) for s, a, e in _rows(session).values()} == {("sent", 2, None)}


def test_a_silent_server_times_out_and_an_absent_one_is_refused(app, session, commune, smtp):
    ids = _reminders(commune, session)
    smtp.silent = True
    with app.app_context():
        result = deliver(session, mailer=mail.SmtpMailer(smtp.url, timeout=0.5))
    assert result.retried == 3 and smtp.accepted == []
    errors = {e.split(":")[0] for _s, _a, e in _rows(session).values()}
    assert errors <= {"TimeoutError", "SMTPServerDisconnected"} and errors
    # nothing listens on the port any more: connection refused, recorded the same way
    port = smtp.server.server_address[1]
    smtp.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    session.execute(Reminder.__table__.update().values(next_attempt_at=NOW))
    session.commit()
    with app.app_context():
        assert deliver(session, mailer=mail.SmtpMailer(f"smtp://127.0.0.1:{port}", timeout=2)).retried == 3
    rows = _rows(session)
    assert set(rows) == set(ids.values())
    assert all(s == "pending" and a == 2 and e.startswith("ConnectionRefusedError") for s, a, e in rows.values())
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
