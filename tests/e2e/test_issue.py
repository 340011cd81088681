"""`salesplan issue`: the files, what they hold, and that nothing of another rep leaks into them."""

import contextlib
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from engine import decompose
from engine.progress import progress
from tests.builders import STATUS_WORDS
from tests.examples import example_plan
from tests.libreoffice import convert
from xl_addin.cli import main
from xl_addin.repbook.responsibility import rep_books
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.fixture(scope="module")
def issue_of(tmp_path_factory):
    """`salesplan issue` of the example in a locale, run once per module: (plan, folder). Issue
    leaves the plan as it was and writes no path of it into the folder."""
    made = {}

    def issued(locale: str) -> tuple:
        if locale not in made:
            root = tmp_path_factory.mktemp(f"issue-{locale}")
            path = root / "plan.xlsx"
            example_plan(path, locale)
            out = root / "books"
            assert main(["issue", str(path), "--out", str(out)]) == 0
            made[locale] = path, out
        return made[locale]

    return issued


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def issued(request, issue_of):
    return issue_of(request.param)


def package_text(path) -> dict[str, str]:
    """Every part of the package as text (XML and anything else, decoded leniently)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", errors="replace") for n in z.namelist()}


def numbers_in(text: str) -> set[int]:
    return {int(float(x)) for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", text)}


def test_one_workbook_per_rep_and_a_roll_up_per_region(issued):
    path, out = issued
    plan = read_plan(FileBook(path))
    start = f"{plan.settings.period_start:%Y-%m-%d}"
    files = sorted(p.name for p in out.iterdir())
    for rep in plan.reps.itertuples():
        assert f"{rep.rep_id}_{rep.name}_{start}.xlsx" in files
    books = [f for f in files if f.endswith(".xlsx")]
    assert len(books) == len(plan.reps) + len(plan.regions)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left
    manifest = pd.read_csv(out / "manifest.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(manifest["File"]) == books
    for row in manifest.itertuples():
        assert row.SHA256 == hashlib.sha256((out / row.File).read_bytes()).hexdigest()
    reps = manifest[manifest["Kind"] == "rep"].set_index("RepID")
    first = plan.reps.iloc[0]
    assert reps.at[first["rep_id"], "Email"] == first["email"]
    assert reps.at[first["rep_id"], "EmailCell"] == "Reps!D2"


def test_no_workbook_holds_anything_of_another_rep(issued):
    """RepIDs, names, e-mails and targets of every other rep, searched in every part."""
    path, out = issued
    plan = read_plan(FileBook(path))
    d = decompose(plan)
    targets = d.targets.set_index("rep_id")
    reps = plan.reps.set_index("rep_id")
    start = f"{plan.settings.period_start:%Y-%m-%d}"
    books = {b.rep_id: b for b in rep_books(progress(plan), plan)}
    checked = 0
    for rep_id, rep in reps.iterrows():
        parts = package_text(out / f"{rep_id}_{rep['name']}_{start}.xlsx")
        text = "\n".join(parts.values())
        own_numbers = numbers_in(text)
        own_text = " ".join([rep["name"], str(rep["manager"] or ""), rep["region"]])
        for other_id, other in reps.drop(index=rep_id).iterrows():
            assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(other_id)}(?![0-9])", text), (
                f"{other_id} in {rep_id}'s workbook"
            )
            if (
                other["name"] not in own_text
            ):  # a name inside the rep's own text can't be told apart
                assert other["name"] not in text, f"{other['name']} in {rep_id}'s workbook"
            if isinstance(other["email"], str) and other["email"]:
                assert other["email"] not in text
            for amount in targets.loc[other_id, ["floor", "target", "challenge"]]:
                if amount not in targets.loc[rep_id, ["floor", "target", "challenge"]].tolist():
                    assert int(amount) not in own_numbers or _own_number(amount, books, rep_id), (
                        f"{other_id}'s {amount} in {rep_id}'s workbook"
                    )
        assert rep["name"] in text and rep_id in text
        assert not [n for n in parts if "calcChain" in n or "externalLink" in n]
        checked += 1
    assert checked == len(reps)


def _own_number(amount, books, rep_id) -> bool:
    """An amount another rep has as a target that is also one of this rep's own numbers."""
    b = books[rep_id]
    cumulative = [sum(b.plan[: k + 1]) for k in range(len(b.plan))]
    months = {m: 0 for m in b.months}
    for m, a in zip(b.months, b.plan, strict=True):
        months[m] += a
    own = {
        *b.plan, *b.floor_plan, *cumulative, *months.values(),
        *(a for _, a in b.products), *(a for _, a in b.customer_types),
    }  # fmt: skip
    return amount in own


def test_a_roll_up_holds_only_its_region(issued):
    path, out = issued
    plan = read_plan(FileBook(path))
    reps = plan.reps
    for region in plan.regions["region"]:
        (file,) = [
            p
            for p in out.iterdir()
            if p.name.endswith(f"_{region}_{plan.settings.period_start:%Y-%m-%d}.xlsx")
        ]
        text = "\n".join(package_text(file).values())
        for rep in reps.itertuples():
            inside = re.search(rf"(?<![A-Za-z0-9]){rep.rep_id}(?![0-9])", text) is not None
            assert inside == (rep.region == region), f"{rep.rep_id} in the roll-up of {region}"


# names typed for S001–S007, and e-mails for three of them
EVIL = [
    '=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=cmd|' /C calc'!A0", "|calc", "'=1+2",
]  # fmt: skip
EVIL_EMAILS = {0: "=s001@example.com", 5: "+s006@example.com", 6: "|s007@example.com"}
# reps added to the example whose file names would be one on Windows or macOS: a character a
# file name cannot hold, a trailing dot, case; and a rep named like North's roll-up
CLASHING = [
    ("N/01", "Li Lei"), ("N:01", "Li Lei"), ("S030", "Ava Stone"), ("S030.", "Ava Stone"),
    ("K7", "Mia Chen"), ("k7", "MIA CHEN"), ("Region", "North"),
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The example with names and e-mails typed like formulas, and reps whose file names
    clash; issued once (the summary printed kept)."""
    import openpyxl

    root = tmp_path_factory.mktemp("hostile")
    path = root / "plan.xlsx"
    example_plan(path, "en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Reps"]
    header = [c.value for c in ws[1]]
    name_col = header.index("Name") + 1
    email_col = header.index("Email") + 1
    for k, text in enumerate(EVIL):
        ws.cell(2 + k, name_col).value = text
        ws.cell(2 + k, name_col).data_type = "s"
    for k, email in EVIL_EMAILS.items():
        ws.cell(2 + k, email_col).value = email
        ws.cell(2 + k, email_col).data_type = "s"
    table = ws.tables["tblReps"]
    first, last = table.ref.split(":")
    end = ws.max_row
    for k, (rep_id, name) in enumerate(CLASHING, start=end + 1):
        values = {"RepID": rep_id, "Name": name, "Region": "North", "Level": "standard"}
        values["Email"] = f"rep{k}@example.com"
        for column, value in values.items():
            ws.cell(k, header.index(column) + 1).value = value
    table.ref = f"{first}:{re.sub(r'[0-9]+', '', last)}{end + len(CLASHING)}"
    table.autoFilter.ref = table.ref
    wb.save(path)
    out = root / "books"
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        assert main(["issue", str(path), "--out", str(out)]) == 0
    return path, out, said.getvalue()


def test_user_text_that_looks_like_a_formula_stays_text(hostile):
    import openpyxl

    _, out, _ = hostile
    evil, emails = EVIL, EVIL_EMAILS
    _manifest_runs_nothing_and_reads_back_as_typed(out, evil, emails)
    for text in evil:
        (book,) = [p for p in out.iterdir() if p.name.startswith("S00") and safe(text) in p.name]
        cover = openpyxl.load_workbook(book).worksheets[0]
        values = [c.value for row in cover.iter_rows() for c in row]
        assert text in values  # as text, exactly
        with zipfile.ZipFile(book) as z:
            sheets = "".join(
                z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")
            )
        assert "HYPERLINK" not in re.sub(
            r"<(?!f[ >]).*?>", "", "".join(re.findall(r"<f>.*?</f>", sheets))
        )


def _manifest_runs_nothing_and_reads_back_as_typed(out, names, emails) -> None:
    """manifest.csv: no text cell starts like a formula (an apostrophe before it), numbers are
    numbers; `send` reads every name, address and file back exactly as typed."""
    import csv

    from xl_addin.repbook.manifest import check_files, read_manifest

    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    starts = ("=", "+", "-", "@", "|", "\t", "\r")
    assert not [c for row in rows for c in row if c.startswith(starts)]
    reps = [dict(zip(header, row, strict=True)) for row in rows if row[0] == "rep"]
    for k, name in enumerate(names):
        written = "'" + name if name[0] != "'" else "''" + name[1:]
        assert reps[k]["Name"] == written
        assert reps[k]["File"] == f"S{k + 1:03d}_{safe(name)}_2026-10-05.xlsx"
    assert [reps[k]["Email"] for k in emails] == ["'" + e for e in emails.values()]
    assert all(int(row[header.index(c)]) > 0 for row in rows for c in ("Floor", "Target"))
    recipients = read_manifest(out)
    by_rep = {r.rep_id: r for r in recipients}
    for k, name in enumerate(names):
        r = by_rep[f"S{k + 1:03d}"]
        assert r.name == name and r.file == reps[k]["File"]
    assert [by_rep[f"S{k + 1:03d}"].email for k in emails] == list(emails.values())
    check_files(out, recipients)  # every file where the manifest says, its SHA-256 as written


def safe(text: str) -> str:
    from xl_addin.repbook.responsibility import safe_name

    return safe_name(text)


LOCALES = ("en", "zh-CN")


@pytest.fixture(scope="module")
def pdfs_of(issue_of, tmp_path_factory) -> dict[Path, tuple[list[Path], list[Path]]]:
    """Every file issued in either locale converted to PDF, in one soffice call: {folder:
    (its files, their PDFs)}. Each file goes in as a copy named with its locale first, so the
    two folders' files (manifest.csv in both) have outputs of their own."""
    root = tmp_path_factory.mktemp("pdf")
    (root / "in").mkdir()
    folders = {loc: issue_of(loc)[1] for loc in LOCALES}
    files = {loc: sorted(folders[loc].iterdir()) for loc in LOCALES}
    staged = [
        shutil.copy(f, root / "in" / f"{loc}-{f.name}") for loc in LOCALES for f in files[loc]
    ]
    pdfs = iter(convert(staged, "pdf", root / "pdf"))
    return {folders[loc]: (files[loc], [next(pdfs) for _ in files[loc]]) for loc in LOCALES}


def test_every_issued_file_converts_to_pdf(issued, pdfs_of):
    _, out = issued
    files, pdfs = pdfs_of[out]
    assert files == sorted(out.iterdir())
    assert len(pdfs) == len(files) and all(p.stat().st_size > 1000 for p in pdfs)


@pytest.fixture(scope="module")
def recalculated_by_libreoffice(issue_of) -> dict:
    """Every workbook issued in either locale as LibreOffice computes it, in one soffice call:
    {path: workbook of values}."""
    from tests.libreoffice import recalculate_many

    return recalculate_many([f for loc in LOCALES for f in sorted(issue_of(loc)[1].glob("*.xlsx"))])


def test_issued_workbooks_recalculate_to_the_plans_own_tracking_and_commission(
    issued, recalculated_by_libreoffice
):
    """The example's six weeks of actuals are in each workbook; LibreOffice's results equal
    the engine's Tracking and Commission for every rep. In the same call, each roll-up's Total
    rows compute to the sums of the rows above them and to the engine's region totals."""
    from xl_addin.repbook.render import FIRST
    from xl_addin.sheets.labels import label

    path, out = issued
    plan = read_plan(FileBook(path))
    p = progress(plan)
    loc = plan.settings.locale
    start = f"{plan.settings.period_start:%Y-%m-%d}"
    files = {r.rep_id: out / f"{r.rep_id}_{r.name}_{start}.xlsx" for r in plan.reps.itertuples()}
    word = {"en": "Region", "zh-CN": "区域"}[loc]
    rollups = {r: out / f"{word}_{r}_{start}.xlsx" for r in plan.regions["region"]}
    computed = {f: recalculated_by_libreoffice[f] for f in [*files.values(), *rollups.values()]}
    _roll_up_totals_are_the_sums_of_their_rows(computed, rollups, p, loc)
    track = p.tracking.set_index("rep_id")
    pay = p.commission.set_index("rep_id")
    for rep_id, file in files.items():
        ws = computed[file].worksheets[2]
        value = [ws.cell(FIRST + 1 + k, 14).value for k in range(13)]
        assert value[0] == track.at[rep_id, "week"]
        assert round(value[1] * 100) == track.at[rep_id, "to_date"]
        assert round(value[2] * 100) == track.at[rep_id, "plan_to_date"]
        assert value[6] == STATUS_WORDS[loc][track.at[rep_id, "status"]]
        tier = pay.at[rep_id, "tier"]
        assert (value[7] or "") == (label(tier, loc) if tier else "")
        assert round(value[9] * 100) == pay.at[rep_id, "commission"]


def _roll_up_totals_are_the_sums_of_their_rows(computed, rollups, p, loc) -> None:
    d = p.decomposition
    regions = d.regions.set_index("region")
    track = p.tracking.assign(region=d.targets["region"].to_numpy()).groupby("region")
    total = {"en": "Total", "zh-CN": "合计"}[loc]
    for region, file in rollups.items():
        ws = computed[file].worksheets[0]
        first = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == total]
        assert len(first) == 2, f"two Total rows in the roll-up of {region}"
        reps_total, weeks_total = first
        # the reps table: header two rows above its first rep (a title row above the header)
        data = range(3, reps_total)
        for col in range(3, 8):  # Floor, Target, Challenge, ToDate, PlanToDate
            cents = sum(round(ws.cell(r, col).value * 100) for r in data)
            assert round(ws.cell(reps_total, col).value * 100) == cents, (region, col)
        row = [ws.cell(reps_total, c).value for c in range(3, 9)]
        floor, target, challenge, to_date, plan_to_date, pace = row
        assert (floor, target, challenge) == tuple(
            int(regions.at[region, k]) for k in ("floor", "target", "challenge")
        )
        assert round(to_date * 100) == track["to_date"].sum()[region]
        assert round(plan_to_date * 100) == track["plan_to_date"].sum()[region]
        assert pace == pytest.approx(to_date / plan_to_date, abs=1e-12)
        assert ws.cell(reps_total, 9).value in (None, "")  # no status for a total
        # the weekly plan: the region's week by week (its reps' weekly plans summed by hand)
        weekly = d.weekly[d.targets["region"].to_numpy() == region].sum()
        for k, week in enumerate(weekly):
            assert ws.cell(weeks_total, 2 + k).value == week, (region, k + 1)


def test_encrypted_workbooks_decrypt_to_exactly_the_plain_ones(issue_of, tmp_path):
    """Rendering is deterministic, so each decrypted workbook equals the unencrypted one byte
    for byte; the passwords are only in passwords.csv (owner-only), never in a workbook."""
    import csv
    import os
    import stat

    from xl_addin.repbook.encrypt import decrypt

    path, plain = issue_of("en")  # the plain workbooks, issued by a run of their own
    locked = tmp_path / "locked"
    assert main(["issue", str(path), "--out", str(locked), "--encrypt"]) == 0
    listing = locked / "passwords.csv"
    assert stat.S_IMODE(os.stat(listing).st_mode) == 0o600
    with open(listing, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    plan = read_plan(FileBook(path))
    reps, rollups = rows[: len(plan.reps)], rows[len(plan.reps) :]
    assert [r["RepID"] for r in reps] == plan.reps["rep_id"].tolist()
    # every region's roll-up too, under its manager's name, with a password of its own
    assert [r["RepID"] for r in rollups] == [""] * len(plan.regions)
    assert [r["Name"] for r in rollups] == plan.regions["manager"].tolist()
    assert sorted(r["File"] for r in rollups) == sorted(p.name for p in plain.glob("Region_*.xlsx"))
    assert len({r["Password"] for r in rows}) == len(rows)
    # nothing written is a workbook in the clear
    books = [p for p in locked.rglob("*") if p.suffix in (".xlsx", ".xlsm")]
    assert len(books) == len(rows)
    assert not any(zipfile.is_zipfile(p) for p in books)
    for row in rows:
        data = (locked / row["File"]).read_bytes()
        assert not zipfile.is_zipfile(locked / row["File"])
        for other in rows:
            assert other["Password"].encode() not in data
        assert decrypt(data, row["Password"]) == (plain / row["File"]).read_bytes()
    for other in locked.iterdir():
        if other.name != "passwords.csv":
            for row in rows:
                assert row["Password"].encode() not in other.read_bytes()


def test_send_without_smtp_writes_the_outbox_once(issue_of, tmp_path, monkeypatch, capsys):
    for name in ("SALESPLAN_SMTP_HOST", "SALESPLAN_SMTP_USER", "SALESPLAN_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    issued_plan, issued_books = issue_of("en")
    path, out = tmp_path / "plan.xlsx", tmp_path / "books"
    shutil.copy(issued_plan, path)
    shutil.copytree(issued_books, out)  # the folder as `salesplan issue` wrote it
    assert main(["send", str(out), "--dry-run"]) == 0
    assert not (out / "outbox").exists() or not list((out / "outbox").iterdir())
    assert main(["send", str(out)]) == 0
    mails = sorted((out / "outbox").glob("*.eml"))
    plan = read_plan(FileBook(path))
    assert len(mails) == len(plan.reps) + len(plan.regions)
    assert main(["send", str(out)]) == 0  # a second run sends nothing again
    assert len(list((out / "outbox").glob("*.eml"))) == len(mails)
    capsys.readouterr()


def test_reps_whose_file_names_would_clash_each_get_a_file_of_their_own(hostile, tmp_path):
    """`N/01` and `N:01`, `S030` and `S030.` (one name), `K7` and `k7` (names in other case),
    a rep named like North's roll-up: each file ends with a code from its RepID (the first
    hex digits of its SHA-256), the summary says so, and collect takes each one back."""
    from tests.e2e.test_collect import type_into

    plan_path, out, said = hostile
    start = "2026-10-05"

    def code(ident: str) -> str:
        return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:6]

    expected = {
        "N/01": f"N_01_Li Lei_{start}_{code('N/01')}.xlsx",
        "N:01": f"N_01_Li Lei_{start}_{code('N:01')}.xlsx",
        "S030": f"S030_Ava Stone_{start}_{code('S030')}.xlsx",
        "S030.": f"S030_Ava Stone_{start}_{code('S030.')}.xlsx",
        "K7": f"K7_Mia Chen_{start}_{code('K7')}.xlsx",
        "k7": f"k7_MIA CHEN_{start}_{code('k7')}.xlsx",
        "Region": f"Region_North_{start}_{code('Region')}.xlsx",
        "S008": f"S008_Lucas Hall_{start}.xlsx",  # no clash, no code
    }
    north = f"Region_North_{start}_{code('North')}.xlsx"
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(files) == 24 + len(CLASHING) + 4
    assert len({f.casefold() for f in files}) == len(files)  # also where case is ignored
    assert {*expected.values(), north, f"Region_East_{start}.xlsx"} <= set(files)
    manifest = pd.read_csv(out / "manifest.csv", encoding="utf-8-sig", dtype=str)
    reps = manifest[manifest["Kind"] == "rep"].set_index("RepID")["File"]
    for rep_id, file in expected.items():
        assert reps[rep_id] == file
    assert manifest[manifest["Region"] == "North"]["File"].tolist().count(north) == 1
    for rep_id, file in reps.items():  # each file is its rep's own, by the marker inside
        with zipfile.ZipFile(out / file) as z:
            custom = z.read("docProps/custom.xml").decode()
        marker = re.search(r'name="salesplan.rep"[^>]*>\s*<vt:lpwstr>([^<]*)<', custom)
        assert marker and marker.group(1) == rep_id, (file, rep_id)
    assert (
        "  note: these would have had one file name, N_01_Li Lei_2026-10-05.xlsx (a file name"
        " cannot hold some of their characters, and Windows and macOS ignore case), so each name"
        " ends with a code of its own: "
        f"rep N/01 (Li Lei) → {expected['N/01']}, rep N:01 (Li Lei) → {expected['N:01']}\n"
    ) in said
    assert f"the roll-up of North → {north}, rep Region (North) → {expected['Region']}\n" in said
    assert said.count("  note: these would have had one file name") == 4
    # collect: each of them types week 7 into their own file and the plan takes every one
    plan = tmp_path / "plan.xlsx"
    shutil.copy(plan_path, plan)
    folder = tmp_path / "returned"
    folder.mkdir()
    typed = {r: 1000.0 + k for k, r in enumerate(expected) if r != "S008"}
    for name in [*(expected[r] for r in typed), north, "manifest.csv"]:
        shutil.copy(out / name, folder / name)
    for rep_id, amount in typed.items():
        type_into(folder / expected[rep_id], {7: (amount, 1, 1, 1, 1)})
    collected = io.StringIO()
    with contextlib.redirect_stdout(collected):
        assert main(["collect", str(folder), str(plan)]) == 0
    summary = collected.getvalue()
    assert "rows added to tblActuals: 7, conflicts: 0, files refused: 0" in summary, summary
    rows = read_plan(FileBook(plan)).actuals
    week7 = rows[rows["week"] == 7].set_index("rep_id")
    assert {r: float(week7.at[r, "amount"]) for r in typed} == typed


def test_workbooks_written_on_several_cores_are_those_written_on_one(
    issue_of, tmp_path, monkeypatch
):
    """The pool's workbooks (each hashed by the process that writes it) are byte-identical to
    those written in one process, and the manifest's SHA-256 of every file is that of the
    file as it lies on disk (computed here)."""
    from xl_addin.repbook import issue as issuing
    from xl_addin.repbook import pool

    path, one = issue_of("en")
    monkeypatch.setattr(pool, "PARALLEL_FROM", 1)
    several = tmp_path / "books"
    issuing.issue(read_plan(FileBook(path)), several, workers=2)
    files = sorted(p.name for p in one.iterdir() if p.suffix == ".xlsx")
    assert files == sorted(p.name for p in several.iterdir() if p.suffix == ".xlsx")
    for name in files:
        assert (several / name).read_bytes() == (one / name).read_bytes(), name
    manifest = pd.read_csv(several / "manifest.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(manifest["File"]) == files
    for row in manifest.itertuples():
        assert row.SHA256 == hashlib.sha256((several / row.File).read_bytes()).hexdigest()
