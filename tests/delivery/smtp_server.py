"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1 with STARTTLS (a
self-signed certificate made here), AUTH LOGIN/PLAIN, and handlers that misbehave on purpose.

    with mail_server(tmp_path, refuse={"r0003@example.com"}) as server:
        send(folder, env=server.env)
        server.count_by_message_id()  -> {"<...>": 1, ...}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import ipaddress
import os
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest

USER = "sales.ops@example.com"
PASSWORD = "Pw-9f3Kx!q7#Zr2-secret"  # searched for in every file, output and report


def need(module: str):
    """Import `module`; a test that needs a missing one fails under CI=true, else skips."""
    try:
        return importlib.import_module(module)
    except ImportError:
        hint = f"{module} is not installed: .venv/bin/pip install -e '.[dev]'"
        if os.environ.get("CI") == "true":
            pytest.fail(hint + " (required when CI=true)", pytrace=False)
        pytest.skip(hint + " (this skip becomes a failure under CI=true)", allow_module_level=True)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    need("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "salesplan test SMTP")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """The aiosmtpd handler: records every message; refuses, defers and drops as told."""

    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    busy_once: set[str] = field(default_factory=set)  # recipients answered 451 the first time
    drop_after: int | None = None  # drop each connection after this many messages
    refuse_sender: bool = False  # answer MAIL FROM with 553
    on_message: Callable[[int], None] | None = None  # called with the count, before the 250
    keep: bool = True  # keep each message's bytes (the benchmark does not)
    received: list[tuple[str, str, bytes]] = field(default_factory=list)  # (Message-ID, to, raw)
    logins: int = 0  # successful logins: one per connection
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_after is not None and getattr(session, "messages", 0) >= self.drop_after:
            server.transport.abort()  # no reply at all: the client sees the connection drop
            return "421 4.3.2 dropped"
        if self.refuse_sender:
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.busy_once:
            self.busy_once.discard(address)
            return f"451 4.7.1 <{address}>: Recipient address deferred: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        with self.lock:
            self.received.append(
                (str(parsed["Message-ID"]).strip(), envelope.rcpt_tos[0], raw if self.keep else b"")
            )
            count = len(self.received)
        session.messages = getattr(session, "messages", 0) + 1
        if self.on_message:
            self.on_message(count)
        return f"250 2.0.0 Ok: queued as Q{count}"

    def count_by_message_id(self) -> Counter:
        with self.lock:
            return Counter(mid for mid, _, _ in self.received)

    def count_by_recipient(self) -> Counter:
        with self.lock:
            return Counter(to for _, to, _ in self.received)


@dataclass
class Server:
    mailbox: Mailbox
    port: int
    cafile: Path
    security: str

    @property
    def env(self) -> dict[str, str]:
        """The environment `salesplan send` reads, for this server."""
        env = {
            "SALESPLAN_SMTP_HOST": "127.0.0.1",
            "SALESPLAN_SMTP_PORT": str(self.port),
            "SALESPLAN_SMTP_SECURITY": self.security,
            "SALESPLAN_MAIL_FROM": f"Sales Ops <{USER}>",
            "SALESPLAN_SMTP_CAFILE": str(self.cafile),
        }
        if self.security != "none":  # AUTH only over TLS
            env |= {"SALESPLAN_SMTP_USER": USER, "SALESPLAN_SMTP_PASSWORD": PASSWORD}
        return env


@contextlib.contextmanager
def mail_server(folder: Path, security: str = "starttls", mailbox: Mailbox | None = None, **how):
    """A running server with AUTH over TLS (`starttls`, `ssl`) or none (`none`, no AUTH)."""
    controller_module = need("aiosmtpd.controller")
    smtp_module = need("aiosmtpd.smtp")
    mailbox = mailbox or Mailbox(**how)
    cert, key = certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, smtp_module.LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            mailbox.logins += 1
        return smtp_module.AuthResult(success=ok, handled=False)

    options: dict = {"hostname": "127.0.0.1", "port": free_port(), "ident": "salesplan-test"}
    if security == "starttls":
        options |= {"tls_context": context, "require_starttls": True, "auth_required": True}
    elif security == "ssl":
        # aiosmtpd does not count implicit TLS as TLS for AUTH: allow it, the socket is TLS
        options |= {"ssl_context": context, "auth_required": True, "auth_require_tls": False}
    if security != "none":
        options["authenticator"] = authenticator
    controller = controller_module.Controller(mailbox, **options)
    controller.start()
    try:
        yield Server(mailbox, options["port"], cert, security)
    finally:
        controller.stop()
