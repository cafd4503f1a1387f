"""E-mail: composing reminders in the recipient's language, and sending them over SMTP
(``TDKT_SMTP_URL``) — or, with no SMTP server configured (the embedded default), into the log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from workflow.locales import LOCALES, default_locale
from workflow.reminders import messages
from workflow.validation import CONTROL, strip_control

log = logging.getLogger("workflow.mail")
NOTIFICATIONS_PATH = "/thong-bao"  # the list page (reminders.views); e-mails link to it


def _locale(user) -> str:
    return user.locale if getattr(user, "locale", None) in LOCALES else default_locale()


def _base_url() -> str | None:
    return current_app.config.get("TDKT_PUBLIC_URL") or None


def _domain() -> str:
    sender = str(current_app.config.get("TDKT_MAIL_FROM") or "tdkt@localhost")
    return sender.rsplit("@", 1)[-1].strip(">") or "localhost"


def reminder_message(row, user) -> EmailMessage:
    """One reminder as an e-mail in ``user``'s language. The Message-ID is derived from the outbox
    row, so a receiver can recognise the (rare) resend after a worker died between the server's
    acceptance and our commit."""
    with force_locale(_locale(user)):
        title, body = messages.render(row.kind, row.level, row.params)
        subject = f"{messages.prefix(row.action)} {title}"
        text = _body(user, [body], _("This message was sent automatically by TĐKT. You can receive one daily "
                                     "digest instead, or no e-mail, in your notification settings."))
    msg = _envelope(user, subject, text)
    msg["Message-ID"] = f"<reminder-{row.id}@{_domain()}>"
    msg["X-TDKT-Reminder"] = str(row.id)
    msg["X-TDKT-Kind"] = row.kind
    return msg


def digest_message(rows, user, day) -> EmailMessage:
    """The day's reminders of one user in one e-mail."""
    with force_locale(_locale(user)):
        items = [_("Your reminders of the day:")]
        for number, row in enumerate(rows, 1):
            title, body = messages.render(row.kind, row.level, row.params)
            items.append(f"{number}. {messages.prefix(row.action)} {title}\n   {body}")
        any_action = any(row.action for row in rows)
        subject = " ".join([messages.prefix(any_action), ngettext(
            "Daily digest: %(num)d reminder", "Daily digest: %(num)d reminders", len(rows))])
        text = _body(user, items, _("This message was sent automatically by TĐKT. You can receive each reminder "
                                    "separately, or no e-mail, in your notification settings."))
    msg = _envelope(user, subject, text)
    msg["Message-ID"] = f"<digest-{user.id}-{day.isoformat()}-{min(r.id for r in rows)}@{_domain()}>"
    msg["X-TDKT-Reminders"] = ",".join(str(r.id) for r in rows)
    return msg


def _body(user, paragraphs: list[str], footer: str) -> str:
    """Plain text: greeting, paragraphs, where to look, footer — in the current locale."""
    base = _base_url()
    where = (_("Your notifications: %(url)s", url=base.rstrip("/") + NOTIFICATIONS_PATH) if base
             else _("Sign in to TĐKT to see all your notifications."))
    return "\n\n".join([_("Hello %(name)s,", name=user.full_name), *paragraphs, where, "-- \n" + footer]) + "\n"


def header_text(value) -> str:
    """``value`` fit for one header line: control characters (a CR or LF would start a new header,
    a vertical tab counts as a line break too) become spaces, runs of spaces one."""
    return " ".join(CONTROL.sub(" ", str(value or "")).split())


def _envelope(user, subject: str, text: str) -> EmailMessage:
    """The headers and the plain-text body. Names typed by people (a nominee, a round, the
    recipient) reach the Subject and the body: they are cleaned here, once, for every message."""
    msg = EmailMessage()
    msg["From"] = str(current_app.config.get("TDKT_MAIL_FROM") or "tdkt@localhost")
    msg["To"] = Address(addr_spec=header_text(user.email))  # an address that does not parse fails this message only
    msg["Subject"] = header_text(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(strip_control(text, multiline=True))
    return msg


class LogMailer:
    """The embedded default: no SMTP server, each message goes to the log."""

    channel = "log"

    def send(self, msg: EmailMessage) -> None:
        log.info("e-mail (no TDKT_SMTP_URL set) to %s: %s\n%s", msg["To"], msg["Subject"], msg.get_content())

    def close(self) -> None:
        pass


class SmtpMailer:
    """smtplib over ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…``; one
    connection for a batch, reopened after an error."""

    channel = "email"

    def __init__(self, url: str, timeout: float = 30.0):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"TDKT_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
        if self.username:
            conn.login(self.username, self.password or "")
        return conn

    def send(self, msg: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(msg)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None


def mailer():
    """The mailer the configuration asks for."""
    url = current_app.config.get("TDKT_SMTP_URL")
    return SmtpMailer(url) if url else LogMailer()
