"""The e-mail that carries a rep's workbook (SPEC §11): templates, amounts, MIME, Message-ID.

Subject and bodies come from `templates/mail/<locale>/`: `subject.txt`, `body.txt` and
`body.html` for the first message, `*_revision.*` for a revision (the recipient's numbers
changed since their last message: old → new target, why, and the plan of the weeks still
ahead). Every value from the plan is escaped in the HTML part. Messages use the SMTP policy without SMTPUTF8, so every header and part is
7-bit: names and subjects as RFC 2047 words, the attachment's file name per RFC 2231.
A workbook's password is never an input here, so it can never be in a message.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import re
import string
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from xl_addin import bundled
from xl_addin.messages import say
from xl_addin.repbook.manifest import Recipient, is_email
from xl_addin.sheets.labels import label
from xl_addin.sheets.units import spoken

TEMPLATES = bundled.TEMPLATES / "mail"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook is an OLE file
DEFAULT_DOMAIN = "salesplan.invalid"
DEFAULT_SENDER = Address("salesplan", "salesplan", DEFAULT_DOMAIN)


@dataclass(frozen=True)
class Revision:
    """What changed since the recipient's last message (send.py finds it in the journal)."""

    old_target: int | None  # the target that message showed (None: not known)
    sent: str  # the day it was sent, 2026-10-05
    sent_version: str  # the plan version it was sent for
    reason: str = ""  # of the recalibration since; "" when the numbers changed without one


def sender_address(text: str | None) -> Address | None:
    """`Sales Ops <ops@corp.com>` or `ops@corp.com` as an Address; None when it is not one."""
    if not text:
        return DEFAULT_SENDER
    name, addr = email.utils.parseaddr(text)
    if not is_email(addr):
        return None
    local, _, domain = addr.partition("@")
    return Address(_one_line(name), local, domain)


def message_id(r: Recipient, domain: str = DEFAULT_DOMAIN) -> str:
    """The same for the same workbook of the same recipient, period and plan version, so a
    message re-sent after a crash is shown once by mail clients."""
    parts = (r.sha256[:12], _token(r.version), _token(r.period), f"{r.kind}-{_token(r.ident)}")
    return f"<{'.'.join(parts)}@{domain if domain.isascii() else DEFAULT_DOMAIN}>"


def compose(
    r: Recipient,
    workbook: bytes,
    sender: Address = DEFAULT_SENDER,
    date: dt.datetime | None = None,
    msgid: str | None = None,
    templates: Path = TEMPLATES,
    revision: Revision | None = None,
) -> EmailMessage:
    """The message for one recipient, with the workbook attached byte for byte; `msgid` is the
    Message-ID the journal holds for it, when it has one; `revision` makes it a revision of
    the message sent before."""
    values = _values(r, encrypted=workbook.startswith(OLE_MAGIC))
    if revision is not None:
        values |= _revised(r, revision)
    folder = templates / r.locale
    escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
    escaped["weeks"] = _rows(r.first_weeks, r)
    escaped["weeks_ahead"] = _rows(r.weeks_ahead, r)
    kind = "" if revision is None else "_revision"
    subject = _render(folder / f"subject{kind}.txt", values)
    text = _render(folder / f"body{kind}.txt", values)
    page = _render(folder / f"body{kind}.html", escaped)

    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = _one_line(subject)
    msg["From"] = sender
    msg["To"] = Address(_one_line(r.name), *r.email.split("@", 1))
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = msgid or message_id(r, sender.domain)
    msg.set_content(text, cte=_transfer_encoding(text))
    msg.add_alternative(page, subtype="html", cte=_transfer_encoding(page))
    msg.add_attachment(workbook, maintype=XLSX[0], subtype=XLSX[1], filename=r.file)
    for depth, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_salesplan_{r.sha256[:16]}_{depth}")  # the same bytes every time
    return msg


def _values(r: Recipient, encrypted: bool) -> dict[str, str]:
    loc = r.locale
    note = say(f"mail_note_{r.kind}", loc) + (say("mail_note_encrypted", loc) if encrypted else "")
    weeks = "\n".join(f"  {start}  {spoken(a, r.unit, loc)}" for start, a in r.first_weeks)
    return {
        "title": label("letter", loc) if r.kind == "rep" else say("mail_title_region", loc),
        "document": say(f"mail_document_{r.kind}", loc, region=r.region),
        "about": r.name if r.kind == "rep" else r.region,
        "name": r.name or say("mail_colleague", loc),
        "region": r.region,
        "period": r.period,
        "version": r.version,
        "file": r.file,
        "floor": spoken(r.floor, r.unit, loc),
        "target": spoken(r.target, r.unit, loc),
        "challenge": spoken(r.challenge, r.unit, loc),
        "week_count": str(len(r.first_weeks)),
        "weeks": weeks,
        "note": note.strip(),
    }


def _revised(r: Recipient, revision: Revision) -> dict[str, str]:
    """The values only a revision's templates use."""
    loc = r.locale
    old = revision.old_target
    return {
        "old_target": "—" if old is None else spoken(old, r.unit, loc),
        "reason": revision.reason or say("mail_revision_no_reason", loc),
        "sent": revision.sent,
        "sent_version": revision.sent_version,
        "from_week": str(r.from_week or ""),
        "weeks_ahead": "\n".join(
            f"  {start}  {spoken(a, r.unit, loc)}" for start, a in r.weeks_ahead
        ),
    }


def _rows(weeks, r: Recipient) -> str:
    """Weeks of plan as rows of the HTML part's table."""
    return "\n".join(
        f'<tr><td style="padding: 2px 16px 2px 0;">{html.escape(start)}</td>'
        f'<td style="text-align: right;">{html.escape(spoken(a, r.unit, r.locale))}</td></tr>'
        for start, a in weeks
    )


def _render(path: Path, values: dict[str, str]) -> str:
    return string.Template(path.read_text(encoding="utf-8")).substitute(values)


def _one_line(text: str) -> str:
    """A header value: no line breaks or control characters from user data."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _token(text: str) -> str:
    """`text` if it is safe inside a Message-ID, else a short stable hash of it."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text):
        return text
    return "u" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _transfer_encoding(text: str) -> str:
    """Quoted-printable for ASCII, base64 otherwise: 7-bit either way, and neither can hold
    the `=_` that starts our boundaries."""
    return "quoted-printable" if text.isascii() else "base64"
