"""What `salesplan send` did with every message, in SQLite beside the outbox (SPEC §11).

One row per message, keyed by recipient (kind and id), file and SHA-256:

    pending -> sending -> sent
                      -> refused   (the server refused it for good: 5xx)
                      -> failed    (temporary replies or dropped connections, retries exhausted)

`sending` is committed before the SMTP transaction and `sent` after it, so a row found in
`sending` by the next run was in flight when a process died: it is sent again with the same
Message-ID. Only what the server said is stored, never a credential.

Each row also keeps the digest of the numbers its workbook gave (manifest `Numbers`) and the
target it showed, so that a workbook issued again is told apart from a revision. A journal
written before these columns existed gets them, blank, when it is opened for writing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from xl_addin.repbook.manifest import Recipient

JOURNAL = "send-journal.sqlite"
LOCK = "send-journal.lock"  # held by the running send (runlock.py)
STATES = ("pending", "sending", "sent", "refused", "failed")
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS messages (
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    period TEXT NOT NULL,
    version TEXT NOT NULL,
    email TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN {STATES}),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    sent TEXT,
    numbers TEXT NOT NULL DEFAULT '',
    target INTEGER,
    PRIMARY KEY (kind, recipient, file, sha256)
)
"""
# Columns added since the first journals: (name, declaration), added by Journal when missing.
ADDED = (("numbers", "TEXT NOT NULL DEFAULT ''"), ("target", "INTEGER"))

Key = tuple[str, str, str, str]  # kind, recipient, file, sha256


@dataclass(frozen=True)
class Entry:
    kind: str
    recipient: str
    file: str
    sha256: str
    period: str
    version: str
    email: str
    message_id: str
    state: str
    attempts: int
    reply: str
    created: str
    updated: str
    sent: str | None
    numbers: str = ""  # the digest of the numbers mailed; "" in a journal from before it
    target: int | None = None  # the target the message showed


def key(r: Recipient) -> Key:
    return (r.kind, r.ident, r.file, r.sha256)


def stamp(seconds: float) -> str:
    """A clock reading as an ISO time in UTC."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds")


class Journal:
    """The journal of one output folder; every change is committed when it returns."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        if read_only:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            self.db = sqlite3.connect(path, isolation_level=None)  # autocommit
            # Each change is committed before the next step and so survives the process being
            # killed; WAL without an fsync per commit keeps the file sound on power loss, when
            # the last changes may be lost (messages sent again, with their Message-ID).
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute(SCHEMA)
            self._migrate()
        self.db.row_factory = _entry

    def _migrate(self) -> None:
        """Add the columns a journal written by an earlier salesplan lacks."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(messages)")}
        for name, declaration in ADDED:
            if name not in have:
                self.db.execute(f"ALTER TABLE messages ADD COLUMN {name} {declaration}")

    @classmethod
    def open_existing(cls, folder: Path) -> Journal | None:
        """The folder's journal for reading only (a dry run changes nothing), if there is one."""
        path = folder / JOURNAL
        return cls(path, read_only=True) if path.is_file() else None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, k: Key) -> Entry | None:
        return self.db.execute(
            "SELECT * FROM messages WHERE kind=? AND recipient=? AND file=? AND sha256=?", k
        ).fetchone()

    def sent_before(self, r: Recipient) -> Entry | None:
        """A different workbook of the same recipient and period that was sent: this one changed
        since (a recalibration, or `issue` run again)."""
        return self.db.execute(
            "SELECT * FROM messages WHERE kind=? AND recipient=? AND period=? AND state='sent' "
            "AND NOT (file=? AND sha256=?) ORDER BY sent DESC LIMIT 1",
            (r.kind, r.ident, r.period, r.file, r.sha256),
        ).fetchone()

    def add(self, items: list[tuple[Recipient, str]], now: float) -> None:
        """Rows for messages about to be sent (recipient, Message-ID), pending unless known;
        a known row takes the manifest's current address."""
        at = stamp(now)
        with self.db:
            self.db.execute("BEGIN")
            for r, mid in items:
                self.db.execute(
                    "INSERT INTO messages (kind, recipient, file, sha256, period, version, email, "
                    "message_id, state, created, updated, numbers, target) "
                    "VALUES (?,?,?,?,?,?,?,?,'pending',?,?,?,?) "
                    "ON CONFLICT (kind, recipient, file, sha256) DO UPDATE SET email=excluded.email, "
                    "numbers=excluded.numbers, target=excluded.target WHERE state != 'sent'",
                    (*key(r), r.period, r.version, r.email, mid, at, at, r.numbers, r.target),
                )

    def sending(self, k: Key, now: float) -> None:
        """Committed before the SMTP transaction starts."""
        self.db.execute(
            "UPDATE messages SET state='sending', attempts=attempts+1, updated=? "
            "WHERE kind=? AND recipient=? AND file=? AND sha256=?",
            (stamp(now), *k),
        )

    def finish(self, k: Key, state: str, reply: str, now: float) -> None:
        assert state in STATES
        at = stamp(now)
        self.db.execute(
            "UPDATE messages SET state=?, reply=?, updated=?, sent=CASE WHEN ?='sent' THEN ? "
            "ELSE sent END WHERE kind=? AND recipient=? AND file=? AND sha256=?",
            (state, reply, at, state, at, *k),
        )

    def rows(self) -> list[Entry]:
        return self.db.execute(
            "SELECT * FROM messages ORDER BY created, kind, recipient"
        ).fetchall()


def _entry(cursor: sqlite3.Cursor, row: tuple) -> Entry:
    """A row as an Entry by column name, so that a journal read without migrating it (a dry
    run opens it read-only) gives the columns it lacks their defaults."""
    return Entry(**{d[0]: v for d, v in zip(cursor.description, row, strict=True)})
