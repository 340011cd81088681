"""Write the output sheets into the user's workbook without loading it (SPEC §1.2, §12, §13).

openpyxl's load and save rewrite every part of the package: seconds for a long history,
minutes and gigabytes for millions of rows, and whatever it does not model (slicers, form
controls, extensions) is silently lost. Here the output sheets are rendered once with
XlsxWriter (STYLE §6) and their parts are spliced into the user's package; every other part
is copied byte for byte. Only the sheet list, its relationships, the content types and the
styles the new sheets need are edited, as text, so markup we do not know survives.
"""

from __future__ import annotations

import codecs
import copy
import io
import posixpath
import re
import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from engine.problems import PlanError, Problem
from xl_addin.atomic import replacing
from xl_addin.outputs import OutputSheet, name_clash, table_clash
from xl_addin.package import check_package
from xl_addin.render import render

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
REL_OFFICE_DOCUMENT = DOC_RELS + "/officeDocument"
REL_WORKSHEET = DOC_RELS + "/worksheet"
REL_TABLE = DOC_RELS + "/table"
REL_DRAWING = DOC_RELS + "/drawing"
REL_CHART = DOC_RELS + "/chart"
REL_STYLES = DOC_RELS + "/styles"
REL_CALC_CHAIN = DOC_RELS + "/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_TYPES = "[Content_Types].xml"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every part we write; no clock, so reruns are byte-identical
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# Excel's built-in number formats that read the same in every locale: no custom id needed.
BUILTIN_FORMATS = {
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "0.00E+00": 11,
}

# Schema order of the collections in styles.xml (CT_Stylesheet is a sequence).
STYLE_PARTS = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
    "cellStyles", "dxfs", "tableStyles", "colors", "extLst",
)  # fmt: skip
FONT_FACE = ("name", "charset", "family", "scheme")

STRICT = "this workbook format (Strict Open XML) is not supported"
STRICT_HINT = "save it from Excel as “Excel Workbook (.xlsx)”, not Strict Open XML"

# One start tag's attributes, with quoted values that may hold '>' or '/'.
ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""

# Parts a rendered sheet carries into the user's package, by the relationship that reaches
# them: (folder beside the workbook part, stem of the fresh name).
CARRIED = {REL_DRAWING: ("drawings", "drawing"), REL_CHART: ("charts", "chart")}


def replace_sheets(
    path: Path, sheets: list[OutputSheet], edited: dict[str, bytes] | None = None
) -> None:
    """Write salesplan's output sheets into the workbook at `path`, leaving every other part as it was.

    An output sheet that exists (same name, ignoring case) is replaced where it stands; a new
    one goes after the user's sheets. `edited` holds parts of the user's sheets that change in
    the same write (rows appended to tblChangeLog, see tablewrite.py). Atomic: a temporary file beside the workbook is renamed
    over it, after a copy of the previous version is kept as `<name>.bak`.
    """
    path = Path(path)
    if not sheets:
        return
    check_package(str(path))
    rendered = render(sheets)
    try:
        with replacing(path) as temporary:
            with temporary.open("wb") as out:
                splice(path, rendered, out, edited or {})
            shutil.copy2(path, path.with_name(path.name + ".bak"))
    except PermissionError:
        message = "the workbook cannot be replaced (open in another program?)"
        raise _problem(path.name, message, "close it and run again") from None


# ---------------------------------------------------------------------------------------
# Reading a package: relationships, content types, XML parsed with XML-bomb protection.


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # the zip member it points to, resolved; None when external


class _Package:
    def __init__(self, z: zipfile.ZipFile):
        self.zip = z
        self.infos = z.infolist()
        self.names = {i.filename.casefold(): i.filename for i in self.infos}
        self._rels: dict[str, list[_Rel]] = {}

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def has(self, name: str) -> bool:
        return name.casefold() in self.names

    def actual(self, name: str) -> str:
        """The member's name as stored (part names are case-insensitive)."""
        return self.names.get(name.casefold(), name)

    def rels(self, part: str) -> list[_Rel]:
        if part not in self._rels:
            name = rels_name(part)
            self._rels[part] = (
                parse_rels(self.read(self.actual(name)), part, self) if self.has(name) else []
            )
        return self._rels[part]

    def reachable(self, changed: dict[str, list[_Rel]]) -> set[str]:
        """Every member reachable from the package root, with some parts' rels replaced."""
        seen: set[str] = set()
        todo = [""]
        while todo:
            part = todo.pop()
            if part in seen:
                continue
            seen.add(part)
            rels = changed[part] if part in changed else self.rels(part)
            if self.has(rels_name(part)):
                seen.add(self.actual(rels_name(part)))
            todo.extend(r.part for r in rels if r.part and self.has(r.part))
        return {self.actual(p) for p in seen if p}


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def parse_rels(data: bytes, part: str, package: _Package | None = None) -> list[_Rel]:
    root = parse(data, rels_name(part))
    folder = posixpath.dirname(part)
    out = []
    for rel in root.findall(f"{{{PKG_RELS}}}Relationship"):
        target = rel.get("Target", "")
        external = rel.get("TargetMode") == "External"
        resolved = None
        if not external:
            t = unquote(target)
            resolved = (
                t.lstrip("/")
                if t.startswith("/")
                else posixpath.normpath(posixpath.join(folder, t))
            )
            if package is not None:
                resolved = package.actual(resolved)
        out.append(_Rel(rel.get("Id", ""), rel.get("Type", ""), target, external, resolved))
    return out


def rels_xml(rels: list[_Rel]) -> bytes:
    items = "".join(
        f'<Relationship Id="{_esc(r.id)}" Type="{_esc(r.type)}" Target="{_esc(r.target)}"'
        + (' TargetMode="External"' if r.external else "")
        + "/>"
        for r in rels
    )
    return (XML_DECLARATION + f'<Relationships xmlns="{PKG_RELS}">{items}</Relationships>').encode()


def parse(data: bytes, part: str) -> Element:
    try:
        return fromstring(data)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        message = f"this part of the workbook cannot be read ({exc})"
        raise _problem(
            part, message, "open the workbook in Excel, save it, and run again"
        ) from None


@dataclass
class _ContentTypes:
    defaults: list[tuple[str, str]]  # (extension, content type)
    overrides: dict[str, str]  # part name (no leading /, as stored) -> content type

    @classmethod
    def read(cls, data: bytes) -> _ContentTypes:
        root = parse(data, CT_TYPES)
        defaults = [
            (d.get("Extension", ""), d.get("ContentType", ""))
            for d in root.findall(f"{{{CONTENT_TYPES}}}Default")
        ]
        overrides = {
            o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
            for o in root.findall(f"{{{CONTENT_TYPES}}}Override")
        }
        return cls(defaults, overrides)

    def drop(self, part: str) -> None:
        for name in [n for n in self.overrides if n.casefold() == part.casefold()]:
            del self.overrides[name]

    def set(self, part: str, ct: str) -> None:
        self.drop(part)
        self.overrides[part] = ct

    def xml(self) -> bytes:
        defaults = "".join(
            f'<Default Extension="{_esc(e)}" ContentType="{_esc(ct)}"/>' for e, ct in self.defaults
        )
        overrides = "".join(
            f'<Override PartName="/{_esc(p)}" ContentType="{_esc(ct)}"/>'
            for p, ct in self.overrides.items()
        )
        return (
            XML_DECLARATION + f'<Types xmlns="{CONTENT_TYPES}">{defaults}{overrides}</Types>'
        ).encode()


# ---------------------------------------------------------------------------------------
# The splice.


@dataclass
class _NewSheet:
    name: str
    source: str  # its part in the rendered workbook
    part: str  # its part in the user's workbook
    rel_id: str
    replaces: int | None  # position of the sheet it replaces, or None when appended
    selected: bool


def splice(path: Path, rendered: bytes, out: BinaryIO, edited: dict[str, bytes] = {}) -> None:  # noqa: B006
    """Write to `out` the user's package at `path` with the rendered workbook's sheets in it."""
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(io.BytesIO(rendered)) as r:
        user, made = _Package(z), _Package(r)
        written, removed = _plan(user, made, path.name)
        clash = set(edited) & (set(written) | removed)
        if clash:
            raise AssertionError(f"an edited part is also replaced or removed: {sorted(clash)}")
        written.update(edited)
        with open(path, "rb") as raw:
            _write_zip(user, raw, written, removed, out)


def _plan(user: _Package, made: _Package, filename: str) -> tuple[dict[str, bytes], set[str]]:
    """The members to write (name -> bytes) and the members to leave out."""
    workbook_part = _office_document(user, filename)
    workbook_xml = user.read(workbook_part)
    workbook = parse(workbook_xml, workbook_part)
    if workbook.tag != f"{{{MAIN}}}workbook":
        raise _problem(filename, STRICT, STRICT_HINT)
    types = _ContentTypes.read(user.read(user.actual(CT_TYPES)))
    workbook_rels = user.rels(workbook_part)
    rels_by_id = {r.id: r for r in workbook_rels}
    sheets = [
        (s.get("name", ""), s.get("sheetId", "0"), s.get(f"{{{DOC_RELS}}}id", ""))
        for s in workbook.findall(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet")
    ]
    view = workbook.find(f"{{{MAIN}}}bookViews/{{{MAIN}}}workbookView")
    active = int(view.get("activeTab", "0")) if view is not None else 0
    wb_folder = posixpath.dirname(workbook_part)
    taken = set(user.names)
    ids = {r.id for r in workbook_rels}

    made_workbook_part = _office_document(made, "rendered")
    new_sheets = _place(
        user, made, made_workbook_part, sheets, rels_by_id, active, wb_folder, taken, ids
    )
    replaced = {n.replaces for n in new_sheets if n.replaces is not None}
    replaced_parts = {rels_by_id[sheets[k][2]].part for k in replaced if sheets[k][2] in rels_by_id}
    replaced_parts.discard(None)
    # The calculation chain may list cells of a replaced sheet: drop it, Excel rebuilds it.
    new_rels = _workbook_rels(workbook_rels, new_sheets, wb_folder, drop_chain=bool(replaced))

    written: dict[str, bytes] = {}
    styles = _styles(user, made, workbook_rels, new_rels, types, written, wb_folder, taken, ids)
    tables = _tables(
        user, made, new_sheets, replaced_parts, workbook, sheets, rels_by_id, taken, wb_folder
    )
    strings = _shared_strings(made, made_workbook_part)
    # Parts only the replaced sheets (or the dropped calculation chain) reached are left out;
    # their names are free again, so a rerun names its drawings and charts as the last did.
    changed = {workbook_part: new_rels, **{p: [] for p in replaced_parts}}
    dropped = user.reachable({}) - user.reachable(changed)
    taken -= {p.casefold() for p in dropped}
    made_types = _ContentTypes.read(made.read(made.actual(CT_TYPES)))
    carry = _Carry(user, made, made_types, taken, wb_folder, types, written)
    for n in new_sheets:
        _write_sheet(n, user, made, tables, styles, strings, types, written, carry)

    removed = dropped - set(written)
    for part in removed:
        types.drop(part)

    next_sheet_id = max((int(s[1]) for s in sheets if s[1].isdigit()), default=0) + 1
    appended = [
        (n.name, str(next_sheet_id + i), n.rel_id)
        for i, n in enumerate(x for x in new_sheets if x.replaces is None)
    ]
    renamed = {
        n.replaces: n.name
        for n in new_sheets
        if n.replaces is not None and sheets[n.replaces][0] != n.name
    }
    xml = _edit_workbook(workbook_xml, len(sheets), appended, renamed, replaced)
    if xml != workbook_xml:
        written[workbook_part] = xml
    if new_rels != workbook_rels:
        written[user.actual(rels_name(workbook_part))] = rels_xml(new_rels)
    if not any(ext.casefold() == "rels" for ext, _ in types.defaults):
        types.defaults.append(("rels", CT_RELS))
    if _ContentTypes.read(user.read(user.actual(CT_TYPES))) != types:
        written[user.actual(CT_TYPES)] = types.xml()
    return written, removed


def _place(
    user, made, made_workbook_part, sheets, rels_by_id, active, folder, taken, ids
) -> list[_NewSheet]:
    """Where each rendered sheet goes: over the user's sheet of that name, or after the last."""
    position = {name.casefold(): k for k, (name, _, _) in enumerate(sheets)}
    made_workbook = parse(made.read(made_workbook_part), made_workbook_part)
    made_rels = {r.id: r for r in made.rels(made_workbook_part)}
    out = []
    for s in made_workbook.findall(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet"):
        name = s.get("name", "")
        source = made_rels[s.get(f"{{{DOC_RELS}}}id", "")].part
        k = position.get(name.casefold())
        old = rels_by_id.get(sheets[k][2]) if k is not None else None
        if old is not None and old.type == REL_WORKSHEET and old.part and user.has(old.part):
            part, rel_id = old.part, old.id  # same part, same r:id, same sheetId
        else:
            part = _fresh(taken, posixpath.join(folder, "worksheets"), "sheet")
            rel_id = old.id if old is not None else _fresh_id(ids)
        ids.add(rel_id)
        out.append(_NewSheet(name, source, part, rel_id, k, k is not None and k == active))
    return out


def _workbook_rels(
    rels: list[_Rel], new_sheets: list[_NewSheet], folder: str, drop_chain: bool
) -> list[_Rel]:
    out = []
    by_id = {n.rel_id: n for n in new_sheets}
    for rel in rels:
        if drop_chain and rel.type == REL_CALC_CHAIN:
            continue
        n = by_id.pop(rel.id, None)
        if n is None or (rel.part == n.part and rel.type == REL_WORKSHEET):
            out.append(rel)
        else:
            out.append(
                _Rel(rel.id, REL_WORKSHEET, posixpath.relpath(n.part, folder), False, n.part)
            )
    for n in new_sheets:
        if n.rel_id in by_id:
            out.append(
                _Rel(n.rel_id, REL_WORKSHEET, posixpath.relpath(n.part, folder), False, n.part)
            )
    return out


def _write_sheet(
    n: _NewSheet, user, made, tables, styles, strings, types, written, carry: _Carry
) -> None:
    """A rendered sheet, its tables, drawing and relationships, renamed into the user's package."""
    written[n.part] = _sheet_xml(made.read(n.source), strings, styles.xf, styles.dxf, n.selected)
    types.set(n.part, CT_WORKSHEET)
    sheet_rels = []
    for rel in made.rels(n.source):
        if rel.type == REL_TABLE:
            part, table_id = tables[rel.part]
            data = made.read(rel.part)
            written[part] = re.sub(rb' id="\d+"', b' id="%d"' % table_id, data, count=1)
            types.set(part, CT_TABLE)
        elif rel.type == REL_DRAWING and not rel.external:
            part = carry.part(rel)
        else:
            raise AssertionError(f"unexpected part in the rendered sheet: {rel.type}")
        target = posixpath.relpath(part, posixpath.dirname(n.part))
        sheet_rels.append(_Rel(rel.id, rel.type, target, False, part))
    written[user.actual(rels_name(n.part))] = rels_xml(sheet_rels)


@dataclass
class _Carry:
    """Copies a rendered drawing, its charts and what they relate to under fresh part names.

    Only the rels parts are rewritten: the parts refer to each other by relationship id,
    and a chart's formulas name its sheet, which keeps the rendered name.
    """

    user: _Package
    made: _Package
    made_types: _ContentTypes
    taken: set[str]  # member names in use (casefolded); fresh names are added to it
    folder: str  # the user's workbook part's folder
    types: _ContentTypes
    written: dict[str, bytes]

    def part(self, rel: _Rel) -> str:
        """The rendered part `rel` reaches, written under a fresh name; that name."""
        folder, stem = CARRIED[rel.type]
        part = _fresh(self.taken, posixpath.join(self.folder, folder), stem)
        self.written[part] = self.made.read(rel.part)
        self.types.set(part, self._content_type(rel.part))
        rels = []
        for r in self.made.rels(rel.part):
            if r.type not in CARRIED or r.external:
                raise AssertionError(f"unexpected part related to {rel.part}: {r.type}")
            target = self.part(r)
            relative = posixpath.relpath(target, posixpath.dirname(part))
            rels.append(_Rel(r.id, r.type, relative, False, target))
        if rels:
            self.written[self.user.actual(rels_name(part))] = rels_xml(rels)
        return part

    def _content_type(self, part: str) -> str:
        """As the rendered package declares it: by an override, else by its extension."""
        for name, ct in self.made_types.overrides.items():
            if name.casefold() == part.casefold():
                return ct
        extension = part.rsplit(".", 1)[-1].casefold()
        for ext, ct in self.made_types.defaults:
            if ext.casefold() == extension:
                return ct
        raise AssertionError(f"no content type for {part} in the rendered package")


def _office_document(package: _Package, filename: str) -> str:
    for rel in package.rels(""):
        if rel.type == REL_OFFICE_DOCUMENT and rel.part and package.has(rel.part):
            return rel.part
    if any(r.type.endswith("/officeDocument") for r in package.rels("")):
        raise _problem(filename, STRICT, STRICT_HINT)
    raise _problem(
        filename, "not an Excel workbook (no workbook part)", "save it from Excel as .xlsx"
    )


def _problem(where: str, message: str, hint: str) -> PlanError:
    return PlanError([Problem(where, "", message, hint)])


def _fresh(taken: set[str], folder: str, stem: str) -> str:
    """folder/stemN.xml with N one more than any stemN.xml already there."""
    pattern = re.compile(re.escape(f"{folder}/{stem}".casefold()) + r"(\d+)\.xml$")
    n = max((int(m.group(1)) for t in taken if (m := pattern.match(t))), default=0) + 1
    name = f"{folder}/{stem}{n}.xml"
    taken.add(name.casefold())
    return name


def _fresh_id(ids: set[str]) -> str:
    n = max((int(m.group(1)) for i in ids if (m := re.fullmatch(r"rId(\d+)", i))), default=0) + 1
    while f"rId{n}" in ids:
        n += 1
    ids.add(f"rId{n}")
    return f"rId{n}"


def _tables(
    user, made, new_sheets, replaced_parts, workbook, sheets, rels_by_id, taken, wb_folder
) -> dict[str, tuple[str, int]]:
    """Rendered table part -> (part in the user's package, table id).

    A table that replaces one of the same name keeps its part and id (slicers and pivot
    caches refer to tables by id); others get a fresh part and an id above every id in use.
    Names must be unique in the workbook: a user's table or name clashing is an input error.
    """
    everything = {}  # part -> (id, name, (sheet name, sheet part) or (None, None))
    owner = {}
    for name, _, rel_id in sheets:
        rel = rels_by_id.get(rel_id)
        if rel is not None and rel.part and user.has(rel.part):
            for r in user.rels(rel.part):
                if r.type == REL_TABLE and r.part:
                    owner[r.part] = (name, rel.part)
    candidates = set(owner) | {
        user.actual(p)
        for p, ct in _ContentTypes.read(user.read(user.actual(CT_TYPES))).overrides.items()
        if ct == CT_TABLE
    }
    for part in sorted(candidates):
        if not user.has(part):
            continue
        root = parse(user.read(part), part)
        table_id = int(root.get("id", "0")) if root.get("id", "0").isdigit() else 0
        sheet = owner.get(part, (None, None))
        everything[part] = (table_id, root.get("displayName") or root.get("name") or "", sheet)
    reusable = {
        name.casefold(): (part, tid)
        for part, (tid, name, (_, sp)) in everything.items()
        if sp in replaced_parts
    }
    kept = {
        name.casefold(): sheet
        for part, (tid, name, (sheet, sp)) in everything.items()
        if sheet is not None and sp not in replaced_parts
    }
    global_names = {
        (d.get("name") or "").casefold()
        for d in workbook.findall(f"{{{MAIN}}}definedNames/{{{MAIN}}}definedName")
        if d.get("localSheetId") is None and not (d.get("name") or "").startswith("_xlnm.")
    }
    next_id = max((tid for tid, _, _ in everything.values()), default=0) + 1
    folder = posixpath.join(wb_folder, "tables")
    problems, out, used = [], {}, set()
    for n in new_sheets:
        for rel in made.rels(n.source):
            if rel.type != REL_TABLE:
                continue
            name = parse(made.read(rel.part), rel.part).get("name", "")
            key = name.casefold()
            if key in kept:
                problems.append(table_clash(name, kept[key]))
            elif key in global_names:
                problems.append(name_clash(name))
            if key in reusable and reusable[key][0] not in used:
                out[rel.part] = reusable[key]
            else:
                out[rel.part] = (_fresh(taken, folder, "table"), next_id)
                next_id += 1
            used.add(out[rel.part][0])
    if problems:
        raise PlanError(problems)
    return out


def _shared_strings(made: _Package, workbook_part: str) -> list[bytes]:
    """The rendered workbook's strings as the inside of an inline string (<t>…</t> or runs)."""
    part = next(
        (r.part for r in made.rels(workbook_part) if r.type.endswith("/sharedStrings")), None
    )
    if part is None:
        return []
    data = made.read(part)
    return re.findall(rb"<si>(.*?)</si>", data, re.S)


_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")?( t="s"><v>([0-9]+)</v></c>)?')
_COL_STYLE = re.compile(rb'(<col [^>]*?style=")([0-9]+)(")')
_DXF = re.compile(rb'dxfId="([0-9]+)"')


def _sheet_xml(
    data: bytes, strings: list[bytes], xf: dict[int, int], dxf: dict[int, int], selected: bool
) -> bytes:
    """A rendered sheet in the user's package: its styles renumbered, its strings inline."""
    start, end = data.find(b"<sheetData>"), data.find(b"</sheetData>")
    if start < 0 or end < 0:
        head, body, tail = data, b"", b""
    else:
        head, body, tail = data[:start], data[start:end], data[end:]

    def cell(m: re.Match) -> bytes:
        ref, style, shared, index = m.groups()
        out = b'<c r="' + ref + b'"'
        if style is not None:
            out += b' s="%d"' % xf[int(style)]
        if shared:
            out += b' t="inlineStr"><is>' + strings[int(index)] + b"</is></c>"
        return out

    body = _CELL.sub(cell, body)
    head = head.replace(b' tabSelected="1"', b"")
    if selected:
        head = head.replace(b"<sheetView ", b'<sheetView tabSelected="1" ', 1)
    head = _COL_STYLE.sub(lambda m: m.group(1) + b"%d" % xf[int(m.group(2))] + m.group(3), head)
    tail = _DXF.sub(lambda m: b'dxfId="%d"' % dxf[int(m.group(1))], tail)
    return head + body + tail


# ---------------------------------------------------------------------------------------
# Workbook part: the sheet list and defined names, edited as text.


def _edit_workbook(
    data: bytes,
    count: int,
    appended: list[tuple[str, str, str]],
    renamed: dict[int, str],
    replaced: set[int],
) -> bytes:
    """Add sheets to the sheet list, rename replaced ones, drop their stale filter names."""
    text, declaration = _decode(data)
    p = _prefix(text, "workbook")
    sheets_open = re.search(rf"<{p}sheets(?=[\s/>]){ATTRS}>", text)
    sheets_close = text.find(f"</{p}sheets>", sheets_open.end() if sheets_open else 0)
    sheet = re.compile(rf"<{p}sheet(?=[\s/>]){ATTRS}(?:/>|>\s*</{p}sheet>)")
    inner = text[sheets_open.end() : sheets_close] if sheets_open and sheets_close >= 0 else ""
    if len(sheet.findall(inner)) != count:
        message = "the sheet list of the workbook cannot be edited"
        raise _problem("workbook.xml", message, "open and save it in Excel")
    for k, name in renamed.items():
        m = list(sheet.finditer(inner))[k]
        quoted = f'"{_esc(name)}"'
        element = re.sub(
            r"""(\sname\s*=\s*)(?:"[^"]*"|'[^']*')""",
            lambda x, q=quoted: x.group(1) + q,
            m.group(0),
            count=1,
        )
        inner = inner[: m.start()] + element + inner[m.end() :]
    if appended:
        root = re.search(rf"<{p}workbook(?=[\s/>]){ATTRS}>", text).group(0)
        bound = re.search(rf"""xmlns:([\w.-]+)\s*=\s*["']{re.escape(DOC_RELS)}["']""", root)
        r, declare = (bound.group(1), "") if bound else ("sr", f' xmlns:sr="{DOC_RELS}"')
        inner += "".join(
            f'<{p}sheet name="{_esc(name)}" sheetId="{sid}" {r}:id="{rid}"{declare}/>'
            for name, sid, rid in appended
        )
    text = text[: sheets_open.end()] + inner + text[sheets_close:]
    text = _drop_filter_names(text, p, replaced)
    return _encode(text, declaration)


def _drop_filter_names(text: str, p: str, replaced: set[int]) -> str:
    """A replaced sheet's old autofilter range (_xlnm._FilterDatabase) no longer applies."""
    if not replaced:
        return text

    def keep(m: re.Match) -> str:
        attrs = _attrs(m.group(1))
        stale = (
            attrs.get("name") == "_xlnm._FilterDatabase"
            and attrs.get("localSheetId", "").strip().isdigit()
        )
        return "" if stale and int(attrs["localSheetId"]) in replaced else m.group(0)

    text = re.sub(
        rf"<{p}definedName(?=[\s/>])({ATTRS})(?:/>|>.*?</{p}definedName>)", keep, text, flags=re.S
    )
    return re.sub(rf"<{p}definedNames(?=[\s/>]){ATTRS}>\s*</{p}definedNames>", "", text)


# ---------------------------------------------------------------------------------------
# Styles: the rendered sheets' fonts, fills, borders, number formats, cell formats and
# conditional formats, reused from the user's styles when identical, else appended.


@dataclass
class _Styled:
    xf: dict[int, int]
    dxf: dict[int, int]


def _styles(user, made, workbook_rels, new_rels, types, written, wb_folder, taken, ids) -> _Styled:
    made_part = next(
        r.part for r in made.rels(_office_document(made, "rendered")) if r.type == REL_STYLES
    )
    made_xml = made.read(made_part)
    rel = next(
        (r for r in workbook_rels if r.type == REL_STYLES and r.part and user.has(r.part)), None
    )
    if rel is None:  # a workbook without styles (rare): take the rendered ones as they are
        part = posixpath.join(wb_folder, "styles.xml")
        if part.casefold() in taken:
            part = _fresh(taken, wb_folder, "styles")
        written[part] = made_xml
        types.set(part, CT_STYLES)
        new_rels.append(
            _Rel(_fresh_id(ids), REL_STYLES, posixpath.relpath(part, wb_folder), False, part)
        )
        root = parse(made_xml, made_part)
        identity = {i: i for i in range(len(_kids(root, "cellXfs")))}
        return _Styled(identity, {i: i for i in range(len(_kids(root, "dxfs")))})
    data = user.read(rel.part)
    merged, xf, dxf = merge_styles(data, made_xml, rel.part)
    if merged != data:
        written[rel.part] = merged
    return _Styled(xf, dxf)


def merge_styles(
    user_xml: bytes, made_xml: bytes, part: str = "styles.xml"
) -> tuple[bytes, dict[int, int], dict[int, int]]:
    """The user's styles.xml with what the rendered one needs; cellXfs and dxfs index maps."""
    user, made = parse(user_xml, part), parse(made_xml, "rendered styles")
    if user.tag != f"{{{MAIN}}}styleSheet":
        raise _problem(part, "the workbook's styles cannot be read", "open and save it in Excel")
    added: dict[str, list[Element]] = {name: [] for name in STYLE_PARTS}

    def reuse_or_add(name: str, items: list[Element], fixed: int = 0) -> dict[int, int]:
        existing = _kids(user, name)
        known: dict[tuple, int] = {}
        for i, el in enumerate(existing):
            known.setdefault(_key(el), i)
        mapping = {}
        for i, el in enumerate(items):
            if i < fixed and i < len(existing):  # the defaults every styles.xml starts with
                mapping[i] = i
                continue
            k = _key(el)
            if k not in known:
                known[k] = len(existing) + len(added[name])
                added[name].append(el)
            mapping[i] = known[k]
        return mapping

    codes: dict[str, int] = {}
    for nf in _kids(user, "numFmts"):
        if (nf.get("numFmtId") or "").isdigit():
            codes.setdefault(nf.get("formatCode", ""), int(nf.get("numFmtId")))
    next_code = max([163, *codes.values()]) + 1
    numfmt: dict[int, int] = {}
    for nf in _kids(made, "numFmts"):
        code = nf.get("formatCode", "")
        if code not in BUILTIN_FORMATS and code not in codes:
            added["numFmts"].append(
                Element(f"{{{MAIN}}}numFmt", {"numFmtId": str(next_code), "formatCode": code})
            )
            codes[code] = next_code
            next_code += 1
        numfmt[int(nf.get("numFmtId"))] = BUILTIN_FORMATS.get(code, codes.get(code))

    user_fonts = _kids(user, "fonts")
    face = [c for c in user_fonts[0] if _local(c.tag) in FONT_FACE] if user_fonts else []
    fonts = [_with_face(f, face) if i else f for i, f in enumerate(_kids(made, "fonts"))]
    font = reuse_or_add("fonts", fonts, fixed=1)
    fill = reuse_or_add("fills", _kids(made, "fills"), fixed=2)
    border = reuse_or_add("borders", _kids(made, "borders"), fixed=1)
    xfs = []
    for xf in _kids(made, "cellXfs"):
        xf = copy.deepcopy(xf)
        for attr, mapping in (
            ("numFmtId", numfmt),
            ("fontId", font),
            ("fillId", fill),
            ("borderId", border),
        ):
            if (xf.get(attr) or "").isdigit():
                xf.set(attr, str(mapping.get(int(xf.get(attr)), int(xf.get(attr)))))
        xfs.append(xf)
    xf_map = reuse_or_add("cellXfs", xfs, fixed=1)
    dxf_map = reuse_or_add("dxfs", _kids(made, "dxfs"))
    if not any(added.values()):
        return user_xml, xf_map, dxf_map

    text, declaration = _decode(user_xml)
    p = _prefix(text, "styleSheet")
    for name in STYLE_PARTS:
        if added[name]:
            total = len(_kids(user, name)) + len(added[name])
            text = _append(text, p, name, "".join(_xml(el, p) for el in added[name]), total)
    return _encode(text, declaration), xf_map, dxf_map


def _kids(root: Element, name: str) -> list[Element]:
    collection = root.find(f"{{{MAIN}}}{name}")
    return list(collection) if collection is not None else []


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _key(el: Element) -> tuple:
    return (
        el.tag,
        tuple(sorted(el.attrib.items())),
        (el.text or "").strip(),
        tuple(_key(c) for c in el),
    )


def _with_face(font: Element, face: list[Element]) -> Element:
    """XlsxWriter's fonts are Calibri; a title in the user's own default face looks native."""
    if not face:
        return font
    out = Element(font.tag, dict(font.attrib))
    out.extend(copy.deepcopy(c) for c in font if _local(c.tag) not in FONT_FACE)
    out.extend(copy.deepcopy(c) for c in face)
    return out


def _append(text: str, p: str, name: str, items: str, total: int) -> str:
    """Add `items` at the end of a top-level collection of styles.xml and set its count."""
    m = re.search(rf"<{p}{name}(?=[\s/>])({ATTRS})(/?)>", text)
    if m is None:  # no such collection yet: create it after those the schema puts before it
        ends = [_end(text, p, n) for n in STYLE_PARTS[: STYLE_PARTS.index(name)]]
        at = max((e for e in ends if e is not None), default=None)
        if at is None:
            at = re.search(rf"<{p}styleSheet(?=[\s/>]){ATTRS}>", text).end()
        return text[:at] + f'<{p}{name} count="{total}">{items}</{p}{name}>' + text[at:]
    attrs = re.sub(r"""\scount\s*=\s*(?:"[^"]*"|'[^']*')""", "", m.group(1)).rstrip()
    opening = f'<{p}{name} count="{total}"{attrs}>'
    if m.group(2):  # <dxfs count="0"/>
        return text[: m.start()] + opening + items + f"</{p}{name}>" + text[m.end() :]
    close = text.index(f"</{p}{name}>", m.end())
    return text[: m.start()] + opening + text[m.end() : close] + items + text[close:]


def _end(text: str, p: str, name: str) -> int | None:
    """Where a top-level collection of styles.xml ends, or None when there is none."""
    m = re.search(rf"<{p}{name}(?=[\s/>]){ATTRS}(/?)>", text)
    if m is None:
        return None
    return m.end() if m.group(1) else text.index(f"</{p}{name}>", m.end()) + len(f"</{p}{name}>")


def _xml(el: Element, p: str) -> str:
    """An element of the main namespace as text, with the user's prefix for it."""
    if not el.tag.startswith(f"{{{MAIN}}}"):
        raise AssertionError(f"unexpected element in rendered styles: {el.tag}")
    tag = p + _local(el.tag)
    attrs = "".join(f' {_attr_name(k)}="{_esc(v)}"' for k, v in el.attrib.items())
    inner = _esc_text(el.text or "") + "".join(_xml(c, p) + _esc_text(c.tail or "") for c in el)
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


def _attr_name(name: str) -> str:
    if name.startswith(f"{{{XML_NS}}}"):
        return "xml:" + _local(name)
    if name.startswith("{"):
        raise AssertionError(f"unexpected attribute in rendered styles: {name}")
    return name


# ---------------------------------------------------------------------------------------
# Text helpers.


def _prefix(text: str, root: str) -> str:
    """'x:' when the document writes its main namespace with a prefix, else ''."""
    m = re.search(rf"<(?:([\w.-]+):)?{root}(?=[\s/>])", text)
    return f"{m.group(1)}:" if m and m.group(1) else ""


def _attrs(text: str) -> dict[str, str]:
    return {
        k: a if a or not b else b
        for k, a, b in re.findall(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", text)
    }


def _decode(data: bytes) -> tuple[str, bool]:
    """Text of an XML part and whether it declared UTF-16 (then it is written back as UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), True
    return data.decode("utf-8-sig"), False


def _encode(text: str, was_utf16: bool) -> bytes:
    if was_utf16:
        text = re.sub(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']*""", r"\1UTF-8", text, count=1)
    return text.encode("utf-8")


def _esc(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    )  # fmt: skip


def _esc_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------
# The zip: unchanged members are copied compressed, as they are; the rest are written anew.


def _write_zip(
    user: _Package, raw: BinaryIO, written: dict[str, bytes], removed: set[str], out: BinaryIO
) -> None:
    done = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in user.infos:
            if info.filename in removed or info.filename in done:
                continue
            if info.filename in written:
                _write_new(z, info.filename, written[info.filename])
            else:
                _copy(z, user.zip, raw, info)
            done.add(info.filename)
        for name, data in written.items():
            if name not in done:
                _write_new(z, name, data)


def _write_new(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    z.writestr(info, data)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _copy(
    z: zipfile.ZipFile, source: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo
) -> None:
    """Copy a member without inflating and deflating it again (a long history is most of the file).

    zipfile has no public way to add compressed bytes, so this does what ZipFile.writestr does
    after compressing; anything unusual (encrypted, other compression) is copied the slow way.
    """
    if (
        info.flag_bits & 0x1
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or not _RAW_COPY
    ):
        copied = zipfile.ZipInfo(info.filename, info.date_time)
        copied.compress_type = zipfile.ZIP_DEFLATED
        copied.external_attr = info.external_attr
        z.writestr(copied, source.read(info))
        return
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    raw.seek(info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])
    data = raw.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    copied = zipfile.ZipInfo(info.filename, info.date_time)
    copied.compress_type = info.compress_type
    copied.create_system = info.create_system
    copied.external_attr = info.external_attr
    copied.internal_attr = info.internal_attr
    copied.flag_bits = info.flag_bits & 0x06  # keep the deflate level bits; no data descriptor
    copied.CRC, copied.compress_size, copied.file_size = (
        info.CRC,
        info.compress_size,
        info.file_size,
    )
    with z._lock:
        z.fp.seek(z.start_dir)
        copied.header_offset = z.fp.tell()
        z._writecheck(copied)
        z._didModify = True
        z.fp.write(copied.FileHeader(None))
        z.fp.write(data)
        z.filelist.append(copied)
        z.NameToInfo[copied.filename] = copied
        z.start_dir = z.fp.tell()


_RAW_COPY = all(hasattr(zipfile.ZipFile, a) for a in ("_writecheck",)) and hasattr(
    zipfile.ZipInfo, "FileHeader"
)
