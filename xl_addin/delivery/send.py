"""`salesplan send DIR`: mail every rep their workbook and every region manager their roll-up
(SPEC §11), resumably.

The manifest, the files and the settings are checked before anything is sent (PlanError, exit
2). Each message is journaled (`xl_addin/delivery/journal.py`) before and after its SMTP transaction,
so a run after a crash or a refusal sends only what is left. Retry policy: a 4xx reply or a
dropped connection is tried again after 2, 4, 8 and 16 s (5 attempts, reconnecting when the
session dropped); a 5xx refusal of a recipient is final for that message only; a refused
login, sender or TLS handshake stops the run at once.

A workbook issued again after it was sent (a recalibration re-issues every one) is mailed
again only when the recipient's numbers changed (the manifest's Numbers digest against the
journal's): then as a revision, without --resend. One with the same numbers is already sent.
A journal or manifest from before the digest cannot tell: such a workbook is `changed` and
needs --resend, as before.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import hashlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path

from tqdm import tqdm

from engine.problems import Message, PlanError, Problem, said
from xl_addin.delivery.journal import JOURNAL, LOCK, Entry, Journal, key
from xl_addin.delivery.mail import Revision, compose, message_id
from xl_addin.delivery.runlock import Busy, exclusive
from xl_addin.delivery.transport import (
    OUTBOX_NAME,
    Outbox,
    Refused,
    Smtp,
    Stop,
    Temporary,
    settings_from,
)
from xl_addin.messages import columns, pad, say, text
from xl_addin.repbook.manifest import Recipient, check_files, read_manifest, select
from xl_addin.sheets.units import spoken

MAX_ATTEMPTS = 5
BACKOFF = 2.0  # seconds before the second attempt; doubles for each one after
NOT_SENT = ("refused", "failed", "pending", "changed")
NOT_TRIED = said("send_not_tried")
LISTED = 20  # recipients listed by name under a heading of the report; then "… and N more"


@dataclass(frozen=True)
class Outcome:
    """What became of one recipient's message in this run."""

    recipient: Recipient
    state: str  # sent, already sent, would send, refused, failed, pending, changed
    reply: str | Message = ""  # the server's reply as it came, or ours from the catalogue
    message_id: str = ""
    subject: str = ""
    in_flight: bool = False  # found in `sending`: a run died during its transaction
    revision: Revision | None = None  # mailed as a revision of the message sent before
    same_numbers: bool = False  # already sent: issued again, but with the numbers sent


@dataclass
class SendReport:
    destination: str
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | Message = ""  # why the run ended early, if it did
    dry_run: bool = False
    not_selected: int = 0  # unsent workbooks that --only left out
    outbox: Path | None = None  # where the messages went without SMTP

    def count(self, state: str) -> int:
        return sum(o.state == state for o in self.outcomes)

    @property
    def sent(self) -> int:
        return self.count("sent")

    @property
    def refused(self) -> int:
        return self.count("refused")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def pending(self) -> int:
        return self.count("pending")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def in_flight(self) -> list[Outcome]:
        """Messages sent again (or, dry, to be) after a run died during their transaction."""
        return [o for o in self.outcomes if o.in_flight and o.state in ("sent", "would send")]

    @property
    def exit_code(self) -> int:
        """0 only when every selected workbook has been sent (or, dry, could be)."""
        return 1 if self.stopped or any(o.state in NOT_SENT for o in self.outcomes) else 0


class Throttle:
    """At most `rate` messages in any minute (a sliding window; `math.inf` for no limit)."""

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.clock, self.sleep = clock, sleep
        self.size = None if math.isinf(rate) else max(1, int(rate))
        self.window = 0.0 if self.size is None else 60.0 * self.size / rate
        self.times: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        if self.size is None:
            return
        now = self.clock()
        if len(self.times) == self.size:
            due = self.times.popleft() + self.window
            if due > now:
                self.sleep(min(due - now, self.window))  # a clock set back must not stall us
                now = max(self.clock(), due)
        self.times.append(now)


def send(
    folder: Path,
    *,
    only: list[str] | None = None,
    dry_run: bool = False,
    rate: float = 30,
    resend: bool = False,
    env: Mapping[str, str] = os.environ,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    out=sys.stdout,
) -> SendReport:
    """Mail what the journal does not show as sent; PlanError before anything is sent. The
    report is printed in the plan's language (the manifest's Locale)."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not rate > 0:
        problems.append(
            Problem(
                "--rate", "", said("rate_not_positive", rate=rate), said("rate_not_positive_hint")
            )
        )
    try:
        settings, sender, secrets = settings_from(env)
    except PlanError as e:
        problems += e.problems
    try:
        recipients = read_manifest(folder)
        selected = select(recipients, only)
        check_files(folder, selected)
    except PlanError as e:
        problems += e.problems
    if problems:
        raise PlanError(problems)
    locale = recipients[0].locale if recipients else "en"

    outbox = None if settings else folder / OUTBOX_NAME
    transport = Outbox(outbox) if outbox else Smtp(settings, secrets)
    report = SendReport(transport.describe(), dry_run=dry_run, outbox=outbox)
    with contextlib.ExitStack() as stack:
        if not dry_run:  # one run at a time: two would both send what is pending
            stack.enter_context(_alone(folder))
        journal = Journal.open_existing(folder) if dry_run else Journal(folder / JOURNAL)
        try:
            todo = []
            for r in selected:
                mid = message_id(r, sender.domain)
                row = journal.get(key(r)) if journal else None
                before = journal.sent_before(r) if journal else None
                known = before is not None and bool(r.numbers and before.numbers)
                same = known and r.numbers == before.numbers
                revision = _revision(r, before) if known and not same else None
                if row is not None and row.state == "sent":
                    report.outcomes.append(Outcome(r, "already sent", row.reply, row.message_id))
                elif row is None and same and not resend:
                    reply = said(
                        "send_same_numbers",
                        date=before.sent[:10],
                        sent_version=before.version,
                        version=r.version,
                    )
                    report.outcomes.append(
                        Outcome(r, "already sent", reply, before.message_id, same_numbers=True)
                    )
                elif row is None and before is not None and not known and not resend:
                    reply = said("send_changed_since", date=before.sent[:10])
                    report.outcomes.append(Outcome(r, "changed", reply, before.message_id))
                else:
                    in_flight = row is not None and row.state == "sending"
                    todo.append((r, row.message_id if row else mid, in_flight, revision))
            chosen = {x.ident for x in selected}
            for r in recipients:
                if r.ident not in chosen:
                    row = journal.get(key(r)) if journal else None
                    report.not_selected += row is None or row.state != "sent"
            if dry_run:
                for r, mid, in_flight, revision in todo:
                    data = (folder / r.file).read_bytes()
                    msg = compose(r, data, sender, msgid=mid, revision=revision)
                    report.outcomes.append(
                        Outcome(r, "would send", "", mid, str(msg["Subject"]), in_flight, revision)
                    )
            elif todo:
                journal.add([(r, mid) for r, mid, _, _ in todo], clock())
                throttle = Throttle(rate if settings else math.inf, clock, sleep)  # not an outbox
                delivery = _Delivery(
                    folder, transport, journal, sender, throttle, clock, sleep, locale
                )
                delivery.run(todo, report)
        finally:
            if journal:
                journal.close()
        # under the lock, flushed: whoever sees the lock free reads the whole report
        print_report(report, out, locale)
        out.flush()
    return report


def _revision(r: Recipient, before: Entry) -> Revision:
    """How `r`'s numbers changed since `before`, the last message sent to them: the target it
    showed, and the reason of the recalibration since (none when it was already mailed: then
    the numbers changed in another way)."""
    old = before.target if before.target is not None else r.old_target
    recalibrated = r.change_version is not None and r.change_version > _whole(before.version)
    return Revision(old, before.sent[:10], before.version, r.reason if recalibrated else "")


def _whole(version: str) -> int:
    try:
        return int(version)
    except ValueError:
        return 0


class _Stopped(Exception):
    """Stop, with what became of the message that was being sent."""

    def __init__(self, reason: str | Message, outcome: Outcome):
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


@dataclass
class _Delivery:
    folder: Path
    transport: Outbox | Smtp
    journal: Journal
    sender: Address
    throttle: Throttle
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    locale: str = "en"  # of the journal's replies and the progress bar

    def run(self, todo: list[tuple[Recipient, str, bool, Revision | None]], report) -> None:
        bar = tqdm(
            total=len(todo),
            unit=say("send_progress_unit", self.locale),
            desc=say("send_progress", self.locale),
            leave=False,
            disable=None,
        )
        try:
            for n, (r, mid, in_flight, revision) in enumerate(todo):
                try:
                    report.outcomes.append(self.one(r, mid, in_flight, revision))
                except _Stopped as e:
                    report.stopped = e.reason
                    report.outcomes.append(e.outcome)
                    report.outcomes += [
                        Outcome(x, "pending", NOT_TRIED, m) for x, m, _, _ in todo[n + 1 :]
                    ]
                    return
                bar.update()
        finally:
            bar.close()
            self.transport.close()

    def one(self, r: Recipient, mid: str, in_flight: bool, revision: Revision | None) -> Outcome:
        """Send one message, trying temporary failures again; its Outcome. Raises _Stopped."""
        k = key(r)
        outcome = functools.partial(
            Outcome, r, message_id=mid, in_flight=in_flight, revision=revision
        )
        data = (self.folder / r.file).read_bytes()
        if hashlib.sha256(data).hexdigest() != r.sha256:
            reply = said("send_file_changed")
            self.finish(k, "failed", reply)
            return outcome("failed", reply)
        date = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        msg = compose(r, data, self.sender, date=date, msgid=mid, revision=revision)
        name = f"{Path(r.file).stem}.{r.sha256[:8]}"
        last = outcome("pending", NOT_TRIED)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                self.connect()
            except Stop as e:
                raise _Stopped(e.words, last) from None
            self.throttle.wait()
            self.journal.sending(k, self.clock())
            try:
                reply = self.transport.send(msg, name)
            except Refused as e:
                self.finish(k, "refused", str(e))
                return outcome("refused", str(e))
            except Temporary as e:
                self.finish(k, "failed", e.words)
                tried = said("send_attempt", reply=e.words, attempt=attempt, attempts=MAX_ATTEMPTS)
                last = outcome("failed", tried)
                if attempt < MAX_ATTEMPTS:
                    self.sleep(BACKOFF * 2 ** (attempt - 1))
                continue
            except Stop as e:
                self.finish(k, "failed", e.words)
                raise _Stopped(e.words, outcome("failed", e.words)) from None
            self.finish(k, "sent", reply)
            return outcome("sent", reply)
        return last

    def finish(self, k, state: str, reply: str | Message) -> None:
        """Journal how the message ended, with the reply in the plan's language."""
        self.journal.finish(k, state, text(reply, self.locale), self.clock())

    def connect(self) -> None:
        """An open session, trying again with backoff while the server cannot be reached."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                self.transport.open()
                return
            except Temporary as e:
                if attempt == MAX_ATTEMPTS:
                    raise Stop(said("send_after_attempts", reason=e.words, n=attempt)) from None
                self.sleep(BACKOFF * 2 ** (attempt - 1))


@contextlib.contextmanager
def _alone(folder: Path) -> Iterator[None]:
    try:
        with exclusive(folder / LOCK):
            yield
    except Busy as busy:
        raise PlanError(
            [
                Problem(
                    str(folder),
                    "",
                    said("send_busy", busy=str(busy)),
                    said("send_busy_hint"),
                )
            ]
        ) from None


def print_report(report: SendReport, out, locale: str = "en") -> None:
    """The counts, then every message not sent with the server's reply (as the server gave
    it), in `locale` (templates/messages.toml)."""

    def say_(key: str, values: dict | None = None, **more) -> None:
        print(say(key, locale, **(values or {}), **more), file=out)

    if report.dry_run:
        say_(*_to("send_dry", report))
        for o in report.outcomes:
            if o.state == "would send":
                print(f"  {_who(o.recipient)}  {o.recipient.file}  {o.subject}", file=out)
        states = ("would send", "already sent", "changed")
    else:
        say_(*_to("send_done", report))
        states = ("sent", "already sent", "refused", "failed", "pending", "changed")
    names = {s: _state(s, locale) for s in (*states, *NOT_SENT)}
    width = max(columns(names[s]) for s in states)  # a Chinese character takes two columns
    for state in states:
        print(f"  {pad(names[state], width)}  {report.count(state):>6}", file=out)
    problems = [o for o in report.outcomes if o.state in NOT_SENT]
    if problems:
        say_("send_not_sent")
        width = max(columns(names[s]) for s in NOT_SENT)
        for o in problems:
            who = f"{_who(o.recipient)}  {o.recipient.file}  {text(o.reply, locale)}"
            print(f"  {pad(names[o.state], width)}  {who}", file=out)
    revised = [o for o in report.outcomes if o.revision and o.state in ("sent", "would send")]
    if revised:
        say_("send_revisions_dry" if report.dry_run else "send_revisions", n=len(revised))
        for o in revised[:LISTED]:
            r, old = o.recipient, o.revision.old_target
            was = "—" if old is None else spoken(old, r.unit, locale)
            now = spoken(r.target, r.unit, locale)
            print(f"  {_who(r)}  {r.file}  {was} → {now}", file=out)
        if len(revised) > LISTED:
            say_("send_more", n=len(revised) - LISTED)
    same = [o for o in report.outcomes if o.same_numbers]
    if same:
        say_("send_same_numbers_head", n=len(same))
        for o in same[:LISTED]:
            print(f"  {_who(o.recipient)}  {o.recipient.file}  {text(o.reply, locale)}", file=out)
        if len(same) > LISTED:
            say_("send_more", n=len(same) - LISTED)
    if report.in_flight:
        say_("send_in_flight_dry" if report.dry_run else "send_in_flight")
        for o in report.in_flight:
            print(f"  {_who(o.recipient)}  {o.recipient.file}  {o.message_id}", file=out)
    if report.not_selected:
        say_("send_not_selected", n=report.not_selected)
    if report.stopped:
        say_("send_stopped", reason=text(report.stopped, locale))


def _to(key: str, report: SendReport) -> tuple[str, dict]:
    if report.outbox is not None:
        return f"{key}_outbox", {"folder": report.outbox}
    return key, {"destination": report.destination}


def _state(state: str, locale: str) -> str:
    return say("state_" + state.replace(" ", "_"), locale)


def _who(r: Recipient) -> str:
    return f"{r.who} <{r.email}>"
