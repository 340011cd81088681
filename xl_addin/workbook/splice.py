"""Write the output sheets into the user's workbook without loading it (SPEC §1.2, §12, §13).

openpyxl's load and save rewrite every part of the package: seconds for a long history,
minutes and gigabytes for millions of rows, and whatever it does not model (slicers, form
controls, extensions) is silently lost. Here the output sheets are rendered once with
XlsxWriter (STYLE §6) and their parts are spliced into the user's package; every other part
is copied byte for byte. Only the sheet list, its relationships, the content types, the
styles the new sheets need and the new sheets' print areas and titles (defined names; the
user's own names are kept as they are) are edited, as text, so markup we do not know survives.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xl_addin.sheets.bulkrows import BulkRows
from xl_addin.sheets.description import OutputSheet
from xl_addin.sheets.render import render_for_splice
from xl_addin.workbook.appprops import app_properties, app_properties_part
from xl_addin.workbook.atomic import replacing_kept
from xl_addin.workbook.bulksplice import rows_part, with_rows, with_tables
from xl_addin.workbook.init import add_input_sheet
from xl_addin.workbook.opc import (
    CT_RELS,
    CT_TABLE,
    CT_TYPES,
    CT_WORKSHEET,
    DOC_RELS,
    MAIN,
    REL_CALC_CHAIN,
    REL_DRAWING,
    REL_TABLE,
    REL_WORKSHEET,
    STRICT,
    STRICT_HINT,
    ContentTypes,
    Package,
    Rel,
    fresh,
    fresh_id,
    office_document,
    parse,
    problem,
    rels_name,
    rels_xml,
)
from xl_addin.workbook.package import check_package
from xl_addin.workbook.sheetparts import CHUNK, Carry, place_tables, shared_strings, sheet_chunks
from xl_addin.workbook.styles import add_styles
from xl_addin.workbook.tablewrite import NewTable
from xl_addin.workbook.xmltext import ATTRS, attributes, decode, encode, esc, prefix
from xl_addin.workbook.zipcopy import Stream, write_zip


def replace_sheets(
    path: Path,
    sheets: list[OutputSheet],
    edited: dict[str, bytes] | None = None,
    created: Sequence[NewTable] = (),
) -> None:
    """Write salesplan's output sheets into the workbook at `path`, leaving every other part as it was.

    An output sheet that exists (same name, ignoring case) is replaced where it stands; a new
    one goes after the user's sheets. `edited` holds parts of the user's sheets that change in
    the same write (rows appended to tblChangeLog, see tablewrite.py); `created` the tables
    the plan lacks, each added on a new sheet before any new output sheet (the caller checks
    that no sheet has its name). Atomic: a temporary file beside the workbook is renamed over
    it, after a copy of the previous version is kept as `<name>.bak`; that copy is made
    before anything is written, so a backup that cannot be written stops the run with the
    workbook as it was. A workbook that is a symbolic link stays one: the file it links to
    is written, its `.bak` beside it.
    """
    path = Path(path)
    if not sheets and not created and not edited:
        return
    check_package(str(path))
    if sheets or created:
        adds = [functools.partial(_add_table, table) for table in created]
        rendered, bulk = render_for_splice(sheets, adds)
    else:  # only cells of the user's sheets change (rows appended, a setting set)
        rendered, bulk = None, {}
    with replacing_kept(path) as temporary, temporary.open("wb") as out:
        splice(path, rendered, out, edited or {}, bulk)


def _add_table(table: NewTable, book, formats) -> None:
    add_input_sheet(book, formats, table.spec, table.frame, table.locale)


@dataclass
class _NewSheet:
    name: str
    source: str  # its part in the rendered workbook
    part: str  # its part in the user's workbook
    rel_id: str
    replaces: int | None  # position of the sheet it replaces, or None when appended
    selected: bool


def splice(
    path: Path,
    rendered: bytes | None,
    out: BinaryIO,
    edited: dict[str, bytes] = {},  # noqa: B006
    bulk: dict[str, list[BulkRows]] = {},  # noqa: B006
) -> None:
    """Write to `out` the user's package at `path` with the rendered workbook's sheets in it
    (None: no sheet is written, only the `edited` parts change); `bulk`: the data rows of
    sheets rendered as stubs, by sheet name (render.render_for_splice)."""
    if rendered is None:
        with zipfile.ZipFile(path) as z, open(path, "rb") as raw:
            write_zip(Package(z), raw, dict(edited), set(), out)
        return
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(io.BytesIO(rendered)) as r:
        user, made = Package(z), Package(r)
        written, removed = _plan(user, made, path.name, bulk)
        clash = set(edited) & (set(written) | removed)
        if clash:
            raise AssertionError(f"an edited part is also replaced or removed: {sorted(clash)}")
        written.update(edited)
        with open(path, "rb") as raw:
            write_zip(user, raw, written, removed, out)


def _plan(
    user: Package, made: Package, filename: str, bulk: dict[str, list[BulkRows]]
) -> tuple[dict[str, bytes], set[str]]:
    """The members to write (name -> bytes) and the members to leave out."""
    workbook_part = office_document(user, filename)
    workbook_xml = user.read(workbook_part)
    workbook = parse(workbook_xml, workbook_part)
    if workbook.tag != f"{{{MAIN}}}workbook":
        raise problem(filename, STRICT, STRICT_HINT)
    types = ContentTypes.read(user.read(user.actual(CT_TYPES)))
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

    made_workbook_part = office_document(made, "rendered")
    new_sheets = _place(
        user, made, made_workbook_part, sheets, rels_by_id, active, wb_folder, taken, ids
    )
    replaced = {n.replaces for n in new_sheets if n.replaces is not None}
    replaced_parts = {rels_by_id[sheets[k][2]].part for k in replaced if sheets[k][2] in rels_by_id}
    replaced_parts.discard(None)
    # The calculation chain may list cells of a replaced sheet: drop it, Excel rebuilds it.
    new_rels = _workbook_rels(workbook_rels, new_sheets, wb_folder, drop_chain=bool(replaced))

    written: dict[str, bytes] = {}
    styles = add_styles(user, made, workbook_rels, new_rels, types, written, wb_folder, taken, ids)
    tables = place_tables(
        user, made, new_sheets, replaced_parts, workbook, sheets, rels_by_id, taken, wb_folder
    )
    strings = shared_strings(made, made_workbook_part)
    # Parts only the replaced sheets (or the dropped calculation chain) reached are left out;
    # their names are free again, so a rerun names its drawings and charts as the last did.
    changed = {workbook_part: new_rels, **{p: [] for p in replaced_parts}}
    dropped = user.reachable({}) - user.reachable(changed)
    taken -= {p.casefold() for p in dropped}
    made_types = ContentTypes.read(made.read(made.actual(CT_TYPES)))
    carry = Carry(user, made, made_types, taken, wb_folder, types, written)
    for n in new_sheets:
        _write_sheet(
            n, user, made, tables, styles, strings, types, written, carry, bulk.get(n.name)
        )

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
    at = {i: n.replaces for i, n in enumerate(new_sheets) if n.replaces is not None}
    at |= {
        i: len(sheets) + k
        for k, i in enumerate(i for i, n in enumerate(new_sheets) if n.replaces is None)
    }
    names = _print_names(made.read(made_workbook_part), at)
    xml = _edit_workbook(workbook_xml, len(sheets), appended, renamed, replaced, names)
    if xml != workbook_xml:
        written[workbook_part] = xml
    app_part = app_properties_part(user)
    if app_part is not None:  # the sheets and names listed for file browsers
        app_xml = app_properties(user.read(user.actual(app_part)), xml, new_rels)
        if app_xml != user.read(user.actual(app_part)):
            written[user.actual(app_part)] = app_xml
    if new_rels != workbook_rels:
        written[user.actual(rels_name(workbook_part))] = rels_xml(new_rels)
    if not any(ext.casefold() == "rels" for ext, _ in types.defaults):
        types.defaults.append(("rels", CT_RELS))
    if ContentTypes.read(user.read(user.actual(CT_TYPES))) != types:
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
            part = fresh(taken, posixpath.join(folder, "worksheets"), "sheet")
            rel_id = old.id if old is not None else fresh_id(ids)
        ids.add(rel_id)
        out.append(_NewSheet(name, source, part, rel_id, k, k is not None and k == active))
    return out


def _workbook_rels(
    rels: list[Rel], new_sheets: list[_NewSheet], folder: str, drop_chain: bool
) -> list[Rel]:
    out = []
    by_id = {n.rel_id: n for n in new_sheets}
    for rel in rels:
        if drop_chain and rel.type == REL_CALC_CHAIN:
            continue
        n = by_id.pop(rel.id, None)
        if n is None or (rel.part == n.part and rel.type == REL_WORKSHEET):
            out.append(rel)
        else:
            out.append(Rel(rel.id, REL_WORKSHEET, posixpath.relpath(n.part, folder), False, n.part))
    for n in new_sheets:
        if n.rel_id in by_id:
            out.append(
                Rel(n.rel_id, REL_WORKSHEET, posixpath.relpath(n.part, folder), False, n.part)
            )
    return out


def _write_sheet(
    n: _NewSheet, user, made, tables, styles, strings, types, written, carry: Carry, rows
) -> None:
    """A rendered sheet, its tables, drawing and relationships, renamed into the user's
    package; `rows`: the data rows of its tables rendered as stubs (else None)."""

    def sheet() -> Iterable[bytes]:
        return sheet_chunks(_pieces(made, n.source), strings, styles.xf, styles.dxf, n.selected)

    size = made.zip.getinfo(n.source).file_size
    parts = [(r, *rows_part(r)) for r in rows or ()]
    size += sum(package.zip.getinfo(name).file_size for _, package, name in parts)
    if not parts:
        written[n.part] = Stream(sheet, size)
    elif len(parts) == 1 and parts[0][0].columns[0] == "A" and parts[0][0].styled_as is None:
        # one long table at the sheet's left: joined in chunks
        written[n.part] = Stream(lambda: with_rows(sheet(), *_rows_of(parts[0])), size)
    else:  # tables side by side, or rows of their own formats: row by row
        written[n.part] = Stream(lambda: with_tables(sheet(), [_rows_of(p) for p in parts]), size)
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
        sheet_rels.append(Rel(rel.id, rel.type, target, False, part))
    written[user.actual(rels_name(n.part))] = rels_xml(sheet_rels)


def _edit_workbook(
    data: bytes,
    count: int,
    appended: list[tuple[str, str, str]],
    renamed: dict[int, str],
    replaced: set[int],
    names: Sequence[tuple[str, int, str]] = (),
) -> bytes:
    """Add sheets to the sheet list, rename replaced ones, drop their stale filter and print
    names, and add the new sheets' print names ((name, sheet position, formula) each)."""
    text, declaration = decode(data)
    p = prefix(text, "workbook")
    sheets_open = re.search(rf"<{p}sheets(?=[\s/>]){ATTRS}>", text)
    sheets_close = text.find(f"</{p}sheets>", sheets_open.end() if sheets_open else 0)
    sheet = re.compile(rf"<{p}sheet(?=[\s/>]){ATTRS}(?:/>|>\s*</{p}sheet>)")
    inner = text[sheets_open.end() : sheets_close] if sheets_open and sheets_close >= 0 else ""
    if len(sheet.findall(inner)) != count:
        message = "the sheet list of the workbook cannot be edited"
        raise problem("workbook.xml", message, "open and save it in Excel")
    for k, name in renamed.items():
        m = list(sheet.finditer(inner))[k]
        quoted = f'"{esc(name)}"'
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
            f'<{p}sheet name="{esc(name)}" sheetId="{sid}" {r}:id="{rid}"{declare}/>'
            for name, sid, rid in appended
        )
    text = text[: sheets_open.end()] + inner + text[sheets_close:]
    text = _drop_sheet_names(text, p, replaced)
    text = _add_names(text, p, names)
    text = full_calc_on_load(text, p)
    return encode(text, declaration)


# What may follow calcPr in a workbook (CT_Workbook's sequence): calcPr goes before the first.
AFTER_CALC = (
    "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
    "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
)  # fmt: skip


def full_calc_on_load(text: str, p: str) -> str:
    """Ask Excel to recalculate every formula when it opens the workbook, so the user's own
    formulas over salesplan's sheets show the new numbers (calcPr fullCalcOnLoad)."""
    calc = re.search(rf"<{p}calcPr(?=[\s/>])({ATTRS})(/?)>", text)
    if calc:
        attrs = re.sub(r"""\sfullCalcOnLoad\s*=\s*(?:"[^"]*"|'[^']*')""", "", calc.group(1))
        element = f'<{p}calcPr{attrs.rstrip()} fullCalcOnLoad="1"{calc.group(2)}>'
        return text[: calc.start()] + element + text[calc.end() :]
    following = rf"<{p}(?:{'|'.join(AFTER_CALC)})(?=[\s/>])|</{p}workbook>"
    at = re.search(following, text).start()
    return text[:at] + f'<{p}calcPr fullCalcOnLoad="1"/>' + text[at:]


# A sheet's own names that salesplan writes: the autofilter range, and where it prints.
SHEET_NAMES = ("_xlnm._FilterDatabase", "_xlnm.Print_Area", "_xlnm.Print_Titles")
PRINT_NAMES = ("_xlnm.Print_Area", "_xlnm.Print_Titles")


def _drop_sheet_names(text: str, p: str, replaced: set[int]) -> str:
    """A replaced sheet's old autofilter range and print area and titles no longer apply;
    every other name, the user's own on that sheet too, stays as it was."""
    if not replaced:
        return text

    def keep(m: re.Match) -> str:
        attrs = attributes(m.group(1))
        stale = attrs.get("name") in SHEET_NAMES and attrs.get("localSheetId", "").strip().isdigit()
        return "" if stale and int(attrs["localSheetId"]) in replaced else m.group(0)

    text = re.sub(
        rf"<{p}definedName(?=[\s/>])({ATTRS})(?:/>|>.*?</{p}definedName>)", keep, text, flags=re.S
    )
    return re.sub(rf"<{p}definedNames(?=[\s/>]){ATTRS}>\s*</{p}definedNames>", "", text)


def _print_names(rendered_workbook: bytes, at: dict[int, int]) -> list[tuple[str, int, str]]:
    """The rendered sheets' print areas and titles as (name, position of the sheet in the
    user's workbook, formula as escaped XML text); `at` maps a rendered sheet's position to
    its position in the user's workbook."""
    text, _ = decode(rendered_workbook)
    out = []
    for m in re.finditer(r"<definedName(?=[\s/>])(" + ATTRS + r")>(.*?)</definedName>", text, re.S):
        attrs = attributes(m.group(1))
        sheet = attrs.get("localSheetId", "")
        if attrs.get("name") in PRINT_NAMES and sheet.isdigit() and int(sheet) in at:
            out.append((attrs["name"], at[int(sheet)], m.group(2)))
    return out


def _add_names(text: str, p: str, names: Sequence[tuple[str, int, str]]) -> str:
    """The names added to the workbook's defined names (a list made after the sheet list, and
    the function groups and external references that come before it, when there is none)."""
    if not names:
        return text
    added = "".join(
        f'<{p}definedName name="{name}" localSheetId="{sheet}">{formula}</{p}definedName>'
        for name, sheet, formula in names
    )
    empty = re.search(rf"<{p}definedNames(?=[\s/>])({ATTRS})/>", text)
    if empty:
        opened = f"<{p}definedNames{empty.group(1).rstrip()}>"
        return text[: empty.start()] + opened + added + f"</{p}definedNames>" + text[empty.end() :]
    close = text.find(f"</{p}definedNames>")
    if close >= 0:
        return text[:close] + added + text[close:]
    after = 0
    for tag in ("sheets", "functionGroups", "externalReferences"):
        ends = [m.end() for m in re.finditer(rf"</{p}{tag}>|<{p}{tag}(?=[\s/>]){ATTRS}/>", text)]
        after = max([after, *ends])
    return text[:after] + f"<{p}definedNames>{added}</{p}definedNames>" + text[after:]


def _rows_of(part: tuple[BulkRows, Package, str]) -> tuple[Iterable[bytes], BulkRows]:
    """A stub table's rows (rustpy-xlsxwriter's sheet part, inflated piece by piece), and
    what they are."""
    rows, package, name = part
    return _pieces(package, name), rows


def _pieces(made: Package, part: str):
    """A rendered part's bytes, a piece at a time, inflated as they are read."""
    with made.zip.open(part) as member:
        while piece := member.read(CHUNK):
            yield piece
