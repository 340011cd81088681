"""A seeded corpus of mutated planning workbooks (issue 17, item 6), made as bytes.

Each mutation starts from the example plan (`init --example`, in English or Chinese, with
only the 13 weeks of history its baseline reads) and changes its zip members or sheet XML
directly, as another program or a careless hand would: tables removed, renamed, with bogus
ranges or broken headers; unknown and duplicate keys; every setting set to a hostile value;
error values, 40,000-character texts, dates before 1900, impossible numbers, decimal commas
and formulas never calculated in the tables; and packages that are bombs, damaged, foreign or
carry cells far beyond their tables. No openpyxl load/save per mutation: a mutation costs
a few regular expressions and one zip write.

`corpus()` lists the mutations (cheap: the bytes are made by `Mutation.data()`); the same
seed gives the same corpus, so a failure names a mutation that can be made again.
"""

from __future__ import annotations

import functools
import io
import random
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.rawzip import raw_zip

SEED = 17
LOCALES = ("en", "zh-CN")
KINDS = ("structure", "keys", "settings", "values", "packages")
ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#NULL!", "#VALUE!", "#NAME?", "#NUM!")
LONG_TEXT = "长" * 20_000 + "x" * 20_000  # 40,000 characters, beyond Excel's 32,767
# the classic entity-expansion bomb: a billion "lol"s from a few hundred bytes
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
# a DTD with no bomb, only an external entity (XXE)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'


@dataclass(frozen=True)
class Mutation:
    kind: str  # one of KINDS
    detail: str  # what was changed, e.g. "tblReps!I3 = #N/A"
    locale: str
    make: Callable[[Base], bytes]
    expect: str | None = None  # "refused" or "read" where only one is right; None: either

    @property
    def name(self) -> str:
        return f"{self.kind}: {self.detail} [{self.locale}]"

    def data(self) -> bytes:
        return self.make(base(self.locale))


# -- the example plan, member by member ----------------------------------------------------
@dataclass(frozen=True)
class Table:
    name: str
    sheet: str
    ref: str
    part: str  # the table part
    sheet_part: str
    headers: tuple[str, ...]
    first_row: int
    first_col: int
    rows: int  # data rows


class Base:
    """The example plan's members (name, data, its deflated bytes) and where its tables are."""

    def __init__(self, data: bytes, tables: list[Table]):
        self.data = data
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.members = {i.filename: z.read(i) for i in z.infolist()}
        self.tables = {t.name: t for t in tables}
        self._deflated: dict[str, tuple[bytes, bytes]] = {}

    def deflated(self, name: str, data: bytes) -> bytes:
        """Unchanged members are deflated once per process."""
        kept = self._deflated.get(name)
        if kept is not None and kept[0] is data:
            return kept[1]
        raw = deflate(data)
        if self.members.get(name) is data:
            self._deflated[name] = (data, raw)
        return raw

    def table(self, name: str) -> Table:
        return self.tables[name]


@functools.cache
def base(locale: str) -> Base:
    import tempfile

    import pandas as pd

    from xl_addin.workbook import example_company, init
    from xl_addin.workbook.filebook import FileBook

    start = pd.Timestamp(example_company.PERIOD_START)
    full = example_company.example_tables

    def short_history(loc: str):
        tables = full(loc)
        h = tables["history"]
        tables["history"] = h[h["period"] >= start - pd.Timedelta(weeks=13)]
        return tables

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        kept = init.example_tables, init.new_plan_id
        init.example_tables, init.new_plan_id = short_history, lambda: "f0220f0220f0"
        try:  # the same bytes in every run: a fixed PlanID, not a new one
            init.write_plan(path, example=True, locale=locale)
        finally:
            init.example_tables, init.new_plan_id = kept
        book = FileBook(path)
        try:
            tables = []
            for name in book.table_names():
                ref, raw = book.table_ref(name), book.table(name)
                tables.append(
                    Table(
                        ref.name,
                        ref.sheet,
                        ref.ref,
                        ref.part,
                        ref.sheet_part,
                        tuple(str(h) for h in raw.headers),
                        raw.first_row,
                        raw.first_col,
                        len(raw.rows),
                    )
                )
        finally:
            book.close()
        return Base(path.read_bytes(), tables)


# -- writing a package ------------------------------------------------------------------------
def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


# A member: [name, data, method, crc, raw]; crc and raw None mean "as the data says".
Members = list[list]


def package(b: Base, items: Members) -> bytes:
    """The members as a zip written field by field (tests/rawzip.py)."""
    return raw_zip(items, b.deflated)


def members(b: Base) -> Members:
    return [[name, data, zipfile.ZIP_DEFLATED, None, None] for name, data in b.members.items()]


def parts(*changes: tuple[str, Callable[[bytes], bytes]]) -> Callable[[Base], bytes]:
    """A mutation that rewrites members by name with `change(data) -> data`."""

    def make(b: Base) -> bytes:
        items = members(b)
        for part, change in changes:
            item = next(i for i in items if i[0] == part)
            item[1] = change(item[1])
        return package(b, items)

    return make


def of_items(change: Callable[[Members], Members]) -> Callable[[Base], bytes]:
    return lambda b: package(b, change(members(b)))


def text(change: Callable[[str], str]) -> Callable[[bytes], bytes]:
    return lambda data: change(data.decode()).encode()


# -- cells ---------------------------------------------------------------------------------
def letters(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_xml(ref: str, value) -> str:
    """A cell as Excel or another program stores it: value is text, a number (its text as
    stored), ("error", "#N/A"), ("formula", "1/0") with no cached value, or None (blank)."""
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, tuple) and value[0] == "error":
        return f'<c r="{ref}" t="e"><f>NA()</f><v>{value[1]}</v></c>'
    if isinstance(value, tuple) and value[0] == "formula":
        return f'<c r="{ref}"><f>{escape(value[1])}</f></c>'
    if isinstance(value, tuple) and value[0] == "number":
        return f'<c r="{ref}"><v>{value[1]}</v></c>'
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def set_cell(xml: str, ref: str, value) -> str:
    """The cell `ref` replaced (or added at the end of its row) with `value`."""
    new = cell_xml(ref, value)
    cell = re.compile(rf'<c r="{ref}"(?:\s[^>]*?)?/>|<c r="{ref}"(?:\s[^>]*)?>.*?</c>', re.S)
    if cell.search(xml):
        return cell.sub(lambda _: new, xml, count=1)
    row = int(re.sub(r"\D", "", ref))
    start = re.search(rf'<row r="{row}"[^>]*?(/?)>', xml)
    if start is None:
        return xml.replace("</sheetData>", f'<row r="{row}">{new}</row></sheetData>', 1)
    if start[1]:  # an empty row written as <row/>
        return xml[: start.start()] + f'<row r="{row}">{new}</row>' + xml[start.end() :]
    end = xml.index("</row>", start.end())
    return xml[:end] + new + xml[end:]


def cells(table: str, edits: dict[tuple[int, int], object]) -> Callable[[Base], bytes]:
    """Cells of `table` set: (data row, column), both 0-based; row -1 is the header."""

    def make(b: Base) -> bytes:
        t = b.table(table)

        def change(xml: str) -> str:
            for (row, col), value in edits.items():
                xml = set_cell(xml, f"{letters(t.first_col + col)}{t.first_row + 1 + row}", value)
            return xml

        return parts((t.sheet_part, text(change)))(b)

    return make


def table_xml(table: str, change: Callable[[str], str]) -> Callable[[Base], bytes]:
    return lambda b: parts((b.table(table).part, text(change)))(b)


def sheet_xml(table: str, change: Callable[[str], str]) -> Callable[[Base], bytes]:
    return lambda b: parts((b.table(table).sheet_part, text(change)))(b)


# -- the mutations, kind by kind ---------------------------------------------------------------
TABLES = (
    "tblSettings",
    "tblHistory",
    "tblReps",
    "tblProducts",
    "tblRegions",
    "tblCustomerTypes",
    "tblCoverage",
    "tblCommission",
    "tblRhythm",
    "tblFunnel",
    "tblKPIs",
    "tblActuals",
    "tblChangeLog",
    "tblSources",
    "tblSignOffs",
)
REQUIRED = TABLES[:12]  # tables with rows in the example


def structure(rng: random.Random, locale: str) -> list[Mutation]:
    m: list[Mutation] = []

    def add(detail, make):
        m.append(Mutation("structure", detail, locale, make))

    for name in TABLES:
        add(f"{name} removed (its tablePart and relationship)", _without_table(name))
        add(f"{name} renamed tblX", table_xml(name, _renamed(name, "tblX")))
    for name, other in (("tblReps", "tblCoverage"), ("tblRegions", "tblKPIs"), ("tblHistory", "tblSources")):  # fmt: skip
        add(f"{other} renamed {name.upper()} (a duplicate in other case)", table_xml(other, _renamed(other, name.upper())))  # fmt: skip
        add(f"{other} renamed {name} (the same name twice)", table_xml(other, _renamed(other, name)))  # fmt: skip
    for name in rng.sample(REQUIRED, 6):
        for ref in ("ZZ$$", "", "B5:A1", "A1:XFD1048576", "A1", "A0:B2"):
            add(f'{name} ref="{ref}"', table_xml(name, _with_ref(ref)))
    for name in REQUIRED:
        add(f"{name} no ref attribute", table_xml(name, lambda t: re.sub(r' ref="[^"]*"', "", t, count=1)))  # fmt: skip
        add(f"{name} header row only", _header_only(name))
    for name in rng.sample(REQUIRED, 8):
        add(f"{name} second header = first header", _header(name, 1, lambda h: h[0]))
        add(f"{name} first header blank", _header(name, 0, lambda h: None))
        add(f"{name} first header upper-cased with spaces", _header(name, 0, lambda h: f"  {h[0].upper()} "))  # fmt: skip
        add(f"{name} totals row (totalsRowCount=1)", table_xml(name, lambda t: t.replace(" ref=", ' totalsRowCount="1" ref=', 1)))  # fmt: skip
        add(f"{name} merged cells inside", _merged(name))
        add(f"{name} hidden data row", _hidden_row(name))
    return m


def _renamed(old: str, new: str) -> Callable[[str], str]:
    return lambda t: t.replace(f'name="{old}"', f'name="{new}"').replace(
        f'displayName="{old}"', f'displayName="{new}"'
    )


def _with_ref(ref: str) -> Callable[[str], str]:
    return lambda t: re.sub(r' ref="[^"]*"', f' ref="{ref}"', t)


def _without_table(name: str) -> Callable[[Base], bytes]:
    def make(b: Base) -> bytes:
        t = b.table(name)
        rels = t.sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        target = t.part.rsplit("/", 1)[1]
        rel = re.search(rf'<Relationship Id="(\w+)"[^>]*{target}"/>', b.members[rels].decode())
        changes = {
            rels: lambda x: x.replace(rel[0], ""),
            t.sheet_part: lambda x: x.replace(f'<tablePart r:id="{rel[1]}"/>', ""),
            "[Content_Types].xml": lambda x: re.sub(
                f'<Override PartName="/{t.part}"[^>]*/>', "", x
            ),
        }
        items = [i for i in members(b) if i[0] != t.part]
        for item in items:
            if item[0] in changes:
                item[1] = changes[item[0]](item[1].decode()).encode()
        return package(b, items)

    return make


def _header_only(name: str) -> Callable[[Base], bytes]:
    def make(b: Base) -> bytes:
        t = b.table(name)
        first = t.ref.split(":")[0]
        last_col = re.match(r"[A-Z]+", t.ref.split(":")[1])[0]
        return table_xml(name, _with_ref(f"{first}:{last_col}{t.first_row}"))(b)

    return make


def _header(name: str, col: int, value: Callable[[tuple], object]) -> Callable[[Base], bytes]:
    return lambda b: cells(name, {(-1, col): value(b.table(name).headers)})(b)


def _merged(name: str) -> Callable[[Base], bytes]:
    def make(b: Base) -> bytes:
        t = b.table(name)
        a, z = letters(t.first_col), letters(t.first_col + 1)
        ref = f"{a}{t.first_row + 1}:{z}{t.first_row + 2}"
        merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        return sheet_xml(name, lambda x: x.replace("</sheetData>", "</sheetData>" + merge, 1))(b)

    return make


def _hidden_row(name: str) -> Callable[[Base], bytes]:
    def make(b: Base) -> bytes:
        row = b.table(name).first_row + 1
        return sheet_xml(name, lambda x: re.sub(rf'<row r="{row}"', f'<row r="{row}" hidden="1"', x, count=1))(b)  # fmt: skip

    return make


def keys(rng: random.Random, locale: str) -> list[Mutation]:
    m: list[Mutation] = []

    def add(detail, table, edits):
        m.append(Mutation("keys", detail, locale, cells(table, edits)))

    add("tblReps duplicate RepID", "tblReps", {(1, 0): "S001"})
    add("tblReps duplicate RepID in other case", "tblReps", {(1, 0): "s001"})
    add("tblReps duplicate RepID with a trailing space and dot", "tblReps", {(1, 0): "S001."})
    add("tblReps blank RepID", "tblReps", {(2, 0): None})
    add("tblReps RepID of 300 characters", "tblReps", {(2, 0): "S" * 300})
    add("tblReps RepIDs N/01 and N:01", "tblReps", {(0, 0): "N/01", (1, 0): "N:01"})
    add("tblReps RepID as a number", "tblReps", {(0, 0): ("number", "1")})
    add("tblReps RepID formula-like", "tblReps", {(0, 0): '=HYPERLINK("http://x")'})
    add("tblReps unknown Region", "tblReps", {(0, 2): "Nroth"})
    add("tblReps blank Region", "tblReps", {(0, 2): None})
    add("tblReps unknown Level", "tblReps", {(0, 4): "guru"})
    add(
        "tblRegions duplicate Region", "tblRegions", {(1, 0): "North" if locale == "en" else "华北"}
    )
    add("tblRegions blank Region", "tblRegions", {(1, 0): None})
    add("tblProducts duplicate Product", "tblProducts", {(1, 0): ("Smart Devices" if locale == "en" else "智能设备")})  # fmt: skip
    add("tblProducts unknown Stage", "tblProducts", {(0, 1): "teenage"})
    add("tblCustomerTypes duplicate type", "tblCustomerTypes", {(1, 0): "KA"})
    add("tblCoverage unknown RepID", "tblCoverage", {(0, 0): "S999"})
    add("tblCoverage unknown Product", "tblCoverage", {(0, 1): "Widgets"})
    add("tblActuals unknown RepID", "tblActuals", {(0, 1): "S999"})
    add("tblActuals RepID in other case", "tblActuals", {(0, 1): "s001"})
    add("tblHistory unknown RepID", "tblHistory", {(0, 5): "S999"})
    add("tblHistory unknown Region", "tblHistory", {(0, 2): "Atlantis"})
    add("tblHistory unknown Product", "tblHistory", {(0, 3): "Widgets"})
    add("tblHistory unknown CustomerType", "tblHistory", {(0, 4): "XX"})
    add("tblCommission unknown Tier", "tblCommission", {(0, 0): "platinum"})
    add("tblCommission duplicate Tier", "tblCommission", {(1, 0): "floor"})
    add("tblRhythm blank Phase", "tblRhythm", {(0, 0): None})
    add("tblKPIs duplicate KPI", "tblKPIs", {(1, 0): "New customers" if locale == "en" else None})
    for i in rng.sample(range(24), 4):
        add(f"tblReps row {i + 1} RepID = row {i % 23 + 2}'s", "tblReps", {(i, 0): f"S{i % 23 + 2:03d}"})  # fmt: skip
    return m


SETTING_VALUES = (
    ("-1", ("number", "-1")),
    ("0", ("number", "0")),
    ("1e308", ("number", "1E+308")),
    ("10^15", ("number", "1000000000000000")),
    ("1e-300", ("number", "1E-300")),
    ("text 'thirty'", "thirty"),
    ("blank", None),
    ("'Infinity'", "Infinity"),
    ("'NaN'", "NaN"),
    ("decimal comma '12,5'", "12,5"),
    ("'1850-01-01'", "1850-01-01"),
    ("serial -5", ("number", "-5")),
    ("#N/A", ("error", "#N/A")),
    ("formula never calculated", ("formula", "1+1")),
    ("40,000 characters", LONG_TEXT),
    ("'=cmd|' /C calc'!A0'", "=cmd|' /C calc'!A0"),
)


def settings(rng: random.Random, locale: str) -> list[Mutation]:
    """Every setting (the 14 rows of tblSettings) set to hostile values, three each, seeded;
    and a setting's name unknown, blank or twice."""
    m: list[Mutation] = []
    for row in range(14):
        for label, value in rng.sample(SETTING_VALUES, 3):
            m.append(
                Mutation(
                    "settings",
                    f"tblSettings row {row + 1} Value = {label}",
                    locale,
                    cells("tblSettings", {(row, 1): value}),
                )
            )
    for detail, edits in (
        ("a setting's name unknown", {(0, 0): "PeriodBeginning"}),
        ("a setting's name blank", {(3, 0): None}),
        ("a setting twice", {(4, 0): "PeriodStart"}),
    ):
        m.append(Mutation("settings", detail, locale, cells("tblSettings", edits)))
    return m


VALUES = (
    *(((e, ("error", e))) for e in ERRORS),
    ("40,000 characters", LONG_TEXT),
    ("'1850-01-01'", "1850-01-01"),
    ("serial -5 (before 1900)", ("number", "-5")),
    ("serial 0", ("number", "0")),
    ("'2300-01-01'", "2300-01-01"),
    ("1e20", ("number", "1E+20")),
    ("-1", ("number", "-1")),
    ("-1e15", ("number", "-1E+15")),
    ("'inf'", "inf"),
    ("'1e309'", "1e309"),
    ("400 digits", ("number", "9" * 400)),
    ("decimal comma '12,5'", "12,5"),
    ("'1,2,3'", "1,2,3"),
    ("formula never calculated", ("formula", "B2*2")),
    ("text 'abc'", "abc"),
    ("full-width '１２'", "１２"),
    ("control characters", "a\x01b"),
)


def values(rng: random.Random, locale: str, count: int) -> list[Mutation]:
    """`count` cells of the input tables, each set to one bad value (seeded choice)."""
    m: list[Mutation] = []
    b = base(locale)
    pairs = [(t, c) for t in REQUIRED for c in range(len(b.table(t).headers))]
    for i in range(count):
        table, col = rng.choice(pairs)
        label, value = VALUES[i % len(VALUES)] if i < len(VALUES) else rng.choice(VALUES)
        row = rng.randrange(max(1, min(b.table(table).rows, 30)))
        header = b.table(table).headers[col]
        m.append(
            Mutation(
                "values",
                f"{table}[{header}] row {row + 1} = {label}",
                locale,
                cells(table, {(row, col): value}),
            )
        )
    return m


def packages(rng: random.Random, locale: str) -> list[Mutation]:
    m: list[Mutation] = []

    def add(detail, make, expect="refused"):
        m.append(Mutation("packages", detail, locale, make, expect))

    names = list(base(locale).members)
    xml = [n for n in names if n.endswith((".xml", ".rels"))]
    for part in xml:  # a DTD in each XML part
        add(f"{part}: billion-laughs DTD", parts((part, _with_dtd(BOMB))))
    for part in rng.sample(xml, 8):
        add(f"{part}: external entity (XXE)", parts((part, _with_dtd(XXE))))
        add(f"{part}: entity used without a DTD", parts((part, _undeclared_entity)))
    for part in rng.sample(xml, 12):
        # check_package parses a part's prolog only; a part no reader opens (the theme, the
        # content types) may be cut and still read: a known gap, not yet refused
        unread = part in ("xl/theme/theme1.xml", "[Content_Types].xml")
        cut = parts((part, lambda d: d[: len(d) // 2]))
        add(f"{part}: cut in half", cut, None if unread else "refused")
    for part in rng.sample(names, 6):
        add(f"{part}: deflate stream cut", of_items(_raw_cut(part)))
        add(f"{part}: wrong CRC", of_items(_bad_crc(part)))
        add(f"{part}: stored twice", of_items(_twice(part)))
    for part in ("xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml", "[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet4.xml", "xl/tables/table3.xml"):  # fmt: skip
        add(
            f"{part}: missing",
            of_items(lambda items, p=part: [i for i in items if i[0] != p]),
            None,
        )
    for name in REQUIRED:
        add(f"{name}'s sheet: stray cell at XFD1048576", sheet_xml(name, _stray_end), "read")
    for name in rng.sample(REQUIRED, 5):
        add(f"{name}'s sheet: stray cell at XFD1", sheet_xml(name, _stray_row_one), "read")
        add(f"{name}'s sheet: <dimension> says A1:XFD1048576", sheet_xml(name, _dimension("A1:XFD1048576")), "read")  # fmt: skip
        add(f"{name}'s sheet: <dimension> says A1", sheet_xml(name, _dimension("A1")), "read")
        add(f"{name}'s sheet: whole-column format to XFD", sheet_xml(name, _whole_columns), "read")
    add("zero-byte file", lambda b: b"")
    add("CSV bytes", lambda b: "RepID,Name,Region\nS001,王芳,North\n".encode("gbk"))
    add("HTML bytes", lambda b: b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    add(".ods bytes", lambda b: _ods())
    add(".xls bytes (an OLE file)", lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088)
    add("random bytes", lambda b: random.Random(SEED).randbytes(5000))
    for n in rng.sample(range(1, 20), 4):
        add(f"file cut at {n}/20", lambda b, n=n: b.data[: len(b.data) * n // 20])
    for k in range(6):
        add(f"10 bytes flipped (seed {k})", lambda b, k=k: _flipped(b.data, k))
    add(
        "zip bomb: sharedStrings inflating 1000 times", of_items(_inflating("xl/sharedStrings.xml"))
    )
    return m


def _with_dtd(prolog: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        use = b"&lol9;" if prolog is BOMB else b"&ext;"
        for tag in (b"<t>", b"<v>", b'<t xml:space="preserve">'):
            if tag in body:
                return prolog + body.replace(tag, tag + use, 1)
        return prolog + body

    return change


def _undeclared_entity(data: bytes) -> bytes:
    m = re.search(rb"<(?:t|v)(?:\s[^>]*)?>|<\w+[^>?!]*>(?=[^<])", data[60:])
    if m is None:
        return data.replace(b"?>", b"?>&i;", 1)
    at = 60 + m.end()
    return data[:at] + b"&i;" + data[at:]


def _raw_cut(part: str) -> Callable[[Members], Members]:
    def change(items):
        item = next(i for i in items if i[0] == part)
        raw = deflate(item[1])
        item[4] = raw[: len(raw) // 2]
        return items

    return change


def _bad_crc(part: str) -> Callable[[Members], Members]:
    def change(items):
        item = next(i for i in items if i[0] == part)
        item[3] = zlib.crc32(item[1]) ^ 0x5A5A
        return items

    return change


def _twice(part: str) -> Callable[[Members], Members]:
    def change(items):
        k = next(n for n, i in enumerate(items) if i[0] == part)
        items.insert(k + 1, [part, items[k][1].replace(b"S001", b"S999"), 8, None, None])
        return items

    return change


def _inflating(part: str) -> Callable[[Members], Members]:
    def change(items):
        item = next(i for i in items if i[0] == part)
        item[1] = item[1].replace(b"</sst>", b"<!--" + b" " * 20_000_000 + b"--></sst>")
        return items

    return change


def _stray_end(xml: str) -> str:
    cell = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace("</sheetData>", cell + "</sheetData>", 1)


def _stray_row_one(xml: str) -> str:
    cell = '<c r="XFD1" t="inlineStr"><is><t>note</t></is></c>'
    return xml.replace("</row>", cell + "</row>", 1)


def _dimension(ref: str) -> Callable[[str], str]:
    return lambda x: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', x, count=1)


def _whole_columns(xml: str) -> str:
    col = '<col min="1" max="16384" width="9" style="0" customWidth="1"/>'
    if "<cols>" in xml:
        return re.sub(r"<cols>.*?</cols>", f"<cols>{col}</cols>", xml, count=1)
    return xml.replace("<sheetData", f"<cols>{col}</cols><sheetData", 1)


def _flipped(data: bytes, seed: int) -> bytes:
    r = random.Random(SEED * 100 + seed)
    out = bytearray(data)
    for _ in range(10):
        out[r.randrange(len(out))] ^= 1 << r.randrange(8)
    return bytes(out)


def _ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


# -- the corpus ----------------------------------------------------------------------------------
@functools.cache
def corpus(seed: int = SEED) -> tuple[Mutation, ...]:
    """Every mutation, for both locales: English in full; Chinese a seeded share of each kind
    (its own words and sheet layout), so that both are covered within the time the suite has."""
    out: list[Mutation] = []
    for locale in LOCALES:
        rng = random.Random(f"{seed}-{locale}")
        made = [
            *structure(rng, locale),
            *keys(rng, locale),
            *settings(rng, locale),
            *values(rng, locale, 90),
            *packages(rng, locale),
        ]
        if locale != LOCALES[0]:
            made = sorted(rng.sample(made, len(made) // 4), key=made.index)
        out += made
    names = [m.name for m in out]
    assert len(set(names)) == len(names), "two mutations with one name"
    return tuple(out)


def sample(mutations, size: int, seed: int = SEED) -> list[Mutation]:
    rng = random.Random(f"{seed}-sample")
    return sorted(rng.sample(list(mutations), size), key=list(mutations).index)
