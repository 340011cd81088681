"""Where messages go: an SMTP server (STARTTLS, SSL or plain) or, with none configured, .eml
files in the outbox folder (SPEC §11).

Settings come only from the environment:

    SALESPLAN_SMTP_HOST       the server; without it messages are written to DIR/outbox/
    SALESPLAN_SMTP_PORT       unless given: 587 for starttls, 465 for ssl, 25 for none
    SALESPLAN_SMTP_SECURITY   starttls (default), ssl or none
    SALESPLAN_SMTP_USER       with SALESPLAN_SMTP_PASSWORD: log in (AUTH) before sending
    SALESPLAN_SMTP_PASSWORD
    SALESPLAN_MAIL_FROM       the sender, `Sales Ops <ops@corp.com>`; defaults to the user
                              when that is an address
    SALESPLAN_SMTP_CAFILE     a PEM file of certificates to trust instead of the system's
                              (a company CA, or a test server's self-signed certificate)

Every server reply and error text passes through `Secrets.scrub` before it is kept or shown.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from engine.problems import Message, PlanError, Problem, said
from xl_addin.delivery.mail import sender_address
from xl_addin.workbook import atomic

SECURITY = ("starttls", "ssl", "none")
OUTBOX_NAME = "outbox"  # the folder inside DIR
TIMEOUT = 60  # seconds for connecting and for each reply


class Refused(Exception):
    """The server refused this message for good (5xx); the others can go on."""


class Temporary(Exception):
    """A 4xx reply or a dropped connection: try again later. `connecting`: no session at all.
    `words`: the server's reply as it came, or a catalogue Message."""

    def __init__(self, words: str | Message, connecting: bool = False):
        super().__init__(words)
        self.words = words
        self.connecting = connecting


class Stop(Exception):
    """Nothing more can be sent in this run (login refused, sender refused, TLS failed).
    `words`: why, a catalogue Message (xl_addin.messages says it in the plan's Locale)."""

    def __init__(self, words: str | Message):
        super().__init__(words)
        self.words = words


@dataclass(frozen=True)
class Secrets:
    """The strings that must never be written or shown: the password and its AUTH encodings."""

    words: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, user: str, password: str) -> Secrets:
        if not password:
            return cls()
        b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
        return cls(
            (password, b64(password), b64(f"\0{user}\0{password}"), b64(f"{user}\0{password}"))
        )

    def scrub(self, text: object) -> str:
        text = str(text)
        for word in sorted(self.words, key=len, reverse=True):
            text = text.replace(word, "******")
        return text


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    security: str
    user: str = field(repr=False)
    password: str = field(repr=False)
    sender: Address
    cafile: str = ""

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def settings_from(env: Mapping[str, str]) -> tuple[Settings | None, Address, Secrets]:
    """(SMTP settings or None for the outbox, the sender, the secrets to scrub), or PlanError."""
    get = lambda name: (env.get(name) or "").strip()  # noqa: E731
    problems = []
    user, password = get("SALESPLAN_SMTP_USER"), env.get("SALESPLAN_SMTP_PASSWORD") or ""
    secrets = Secrets.of(user, password)
    given_from = get("SALESPLAN_MAIL_FROM") or (user if "@" in user else "")
    sender = sender_address(given_from)
    if sender is None:
        sender = sender_address("")
        problems.append(
            Problem(
                "SALESPLAN_MAIL_FROM",
                "",
                said("env_not_an_address", value=secrets.scrub(given_from)),
                said("env_not_an_address_hint"),
            )
        )
    host = get("SALESPLAN_SMTP_HOST")
    security = get("SALESPLAN_SMTP_SECURITY").lower() or "starttls"
    if security not in SECURITY:
        problems.append(
            Problem(
                "SALESPLAN_SMTP_SECURITY",
                "",
                said("env_not_one_of", value=security, choices=", ".join(SECURITY)),
            )
        )
    port_text = get("SALESPLAN_SMTP_PORT") or {"ssl": "465", "none": "25"}.get(security, "587")
    port = int(port_text) if port_text.isdigit() and 0 < int(port_text) < 65536 else 0
    if not port:
        problems.append(
            Problem(
                "SALESPLAN_SMTP_PORT",
                "",
                said("env_not_a_port", value=port_text),
                said("env_not_a_port_hint"),
            )
        )
    if host and (user and not password or password and not user):
        missing = "SALESPLAN_SMTP_PASSWORD" if user else "SALESPLAN_SMTP_USER"
        problems.append(Problem(missing, "", said("env_not_set"), said("env_user_and_password")))
    if host and not get("SALESPLAN_MAIL_FROM") and "@" not in user:
        problems.append(
            Problem("SALESPLAN_MAIL_FROM", "", said("env_not_set"), said("env_mail_from_hint"))
        )
    cafile = get("SALESPLAN_SMTP_CAFILE")
    if cafile and not Path(cafile).is_file():
        problems.append(Problem("SALESPLAN_SMTP_CAFILE", "", said("env_not_a_file", value=cafile)))
    if problems:
        raise PlanError(problems)
    if not host:
        return None, sender, secrets
    return Settings(host, port, security, user, password, sender, cafile), sender, secrets


class Outbox:
    """The embedded default: each message as an .eml file, written atomically."""

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return str(self.folder)

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise Stop(
                said("send_outbox_not_made", folder=str(self.folder), error=e.strerror)
            ) from None

    def send(self, msg: EmailMessage, name: str) -> str:
        path = self.folder / f"{name}.eml"
        try:
            atomic.write_bytes(path, msg.as_bytes(policy=policy.SMTP))
        except OSError as e:
            raise Stop(said("send_outbox_not_written", path=str(path), error=e.strerror)) from None
        return f"written to {OUTBOX_NAME}/{path.name}"

    def close(self) -> None:
        pass


class Smtp:
    """One SMTP session, reused across messages and opened again when it drops."""

    def __init__(self, settings: Settings, secrets: Secrets):
        self.settings = settings
        self.secrets = secrets
        self.smtp: smtplib.SMTP | None = None

    def describe(self) -> str:
        return self.settings.describe()

    @property
    def connected(self) -> bool:
        return self.smtp is not None and self.smtp.sock is not None

    def open(self) -> None:
        """Connect, secure and log in, unless a session is open. Raises Temporary or Stop."""
        if self.connected:
            return
        self.close(polite=False)
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile or None)
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=context)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            # each command waits for its reply: Nagle's algorithm would hold the last segment
            # of every message until the server's delayed ACK (~40 ms a message)
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.smtp.ehlo()
            if s.security == "starttls":
                self.smtp.starttls(context=context)
                self.smtp.ehlo()
            if s.user:
                self.smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as e:
            self.close(polite=False)
            raise self._not_opened(e) from None

    def _not_opened(self, e: Exception) -> Stop | Temporary:
        """Why a session could not be opened: Stop names the setting to fix; Temporary is
        tried again."""
        where = self.settings.describe()
        if isinstance(e, smtplib.SMTPAuthenticationError):
            return Stop(said("smtp_login_refused", where=where, reply=self._reply(e)))
        if isinstance(e, smtplib.SMTPNotSupportedError):
            return Stop(said("smtp_not_offered", where=where, error=self._text(e)))
        if isinstance(e, ssl.SSLCertVerificationError):
            return Stop(said("smtp_not_trusted", where=where, error=self._text(e.verify_message)))
        if isinstance(e, ssl.SSLError):
            return Stop(said("smtp_tls_failed", where=where, error=self._text(e)))
        if isinstance(e, smtplib.SMTPResponseException):
            if e.smtp_code >= 500:
                return Stop(said("smtp_session_refused", where=where, reply=self._reply(e)))
            return Temporary(self._reply(e), connecting=True)
        return Temporary(
            said("smtp_unreachable", where=where, error=self._text(e)), connecting=True
        )

    def send(self, msg: EmailMessage, name: str) -> str:
        """One transaction; the server's final reply. Raises Refused, Temporary or Stop."""
        self.open()
        smtp = self.smtp
        sender = self.settings.sender.addr_spec
        recipient = msg["To"].addresses[0].addr_spec
        data = msg.as_bytes(policy=policy.SMTP)
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                self._reset()
                if code >= 500:
                    refused = "smtp_sender_needs_login" if code == 530 else "smtp_sender_refused"
                    raise Stop(said(refused, sender=sender, reply=self._reply((code, text))))
                raise Temporary(self._reply((code, text)))
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._settle(code, text)
            code, text = smtp.data(data)
            if code != 250:
                self._settle(code, text)
            return self._reply((code, text))
        except (Refused, Temporary, Stop):
            raise
        except smtplib.SMTPResponseException as e:  # DATA not answered with 354
            self._settle(e.smtp_code, e.smtp_error)
        except (smtplib.SMTPException, OSError) as e:  # dropped, reset or timed out
            self.close(polite=False)
            raise Temporary(
                said("smtp_connection_lost", error=self._text(e) or type(e).__name__)
            ) from None
        raise AssertionError("unreachable")

    def close(self, polite: bool = True) -> None:
        """End the session: with QUIT when it is healthy, by closing the socket after an error
        (a server that stopped answering must not hold us for another timeout)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if polite and smtp.sock is not None:
                smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()

    def _settle(self, code: int, text: bytes) -> None:
        """After a refused RCPT or DATA: reset the transaction and raise what the code says."""
        if code == 421:  # the server is closing the session
            self.close(polite=False)
        else:
            self._reset()
        reply = self._reply((code, text))
        raise Refused(reply) if code >= 500 else Temporary(reply)

    def _reset(self) -> None:
        try:
            if self.connected:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close(polite=False)

    def _reply(self, e) -> str:
        code, text = (
            (e.smtp_code, e.smtp_error) if isinstance(e, smtplib.SMTPResponseException) else e
        )
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        return self.secrets.scrub(f"{code} {' '.join(str(text).split())}")

    def _text(self, e: object) -> str:
        return self.secrets.scrub(" ".join(str(e).split()))
