"""A rendered sheet's parts made the user's: its tables renamed and renumbered (unique names
and ids in the workbook), its strings inline, its style indexes mapped, and its drawing and
charts carried under fresh part names.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from engine.problems import PlanError
from xl_addin.sheets.outputs import name_clash, table_clash
from xl_addin.workbook.opc import (
    CT_TABLE,
    CT_TYPES,
    MAIN,
    REL_CHART,
    REL_DRAWING,
    REL_TABLE,
    ContentTypes,
    Package,
    Rel,
    fresh,
    parse,
    rels_name,
    rels_xml,
)

# Parts a rendered sheet carries into the user's package, by the relationship that reaches
# them: (folder beside the workbook part, stem of the fresh name).
CARRIED = {REL_DRAWING: ("drawings", "drawing"), REL_CHART: ("charts", "chart")}


@dataclass
class Carry:
    """Copies a rendered drawing, its charts and what they relate to under fresh part names.

    Only the rels parts are rewritten: the parts refer to each other by relationship id,
    and a chart's formulas name its sheet, which keeps the rendered name.
    """

    user: Package
    made: Package
    made_types: ContentTypes
    taken: set[str]  # member names in use (casefolded); fresh names are added to it
    folder: str  # the user's workbook part's folder
    types: ContentTypes
    written: dict[str, bytes]

    def part(self, rel: Rel) -> str:
        """The rendered part `rel` reaches, written under a fresh name; that name."""
        folder, stem = CARRIED[rel.type]
        part = fresh(self.taken, posixpath.join(self.folder, folder), stem)
        self.written[part] = self.made.read(rel.part)
        self.types.set(part, self._content_type(rel.part))
        rels = []
        for r in self.made.rels(rel.part):
            if r.type not in CARRIED or r.external:
                raise AssertionError(f"unexpected part related to {rel.part}: {r.type}")
            target = self.part(r)
            relative = posixpath.relpath(target, posixpath.dirname(part))
            rels.append(Rel(r.id, r.type, relative, False, target))
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


def place_tables(
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
        for p, ct in ContentTypes.read(user.read(user.actual(CT_TYPES))).overrides.items()
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
                out[rel.part] = (fresh(taken, folder, "table"), next_id)
                next_id += 1
            used.add(out[rel.part][0])
    if problems:
        raise PlanError(problems)
    return out


def shared_strings(made: Package, workbook_part: str) -> list[bytes]:
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


CHUNK = 1 << 22  # bytes of a rendered sheet rewritten at a time


def sheet_chunks(
    chunks: Iterable[bytes],
    strings: list[bytes],
    xf: dict[int, int],
    dxf: dict[int, int],
    selected: bool,
) -> Iterator[bytes]:
    """A rendered sheet in the user's package — its styles renumbered, its strings inline —
    read piece by piece and given back piece by piece: the rows are rewritten a few
    megabytes at a time (cut after a whole row), so a sheet of a million rows is never held
    whole, neither as rendered nor as written."""
    xf_attr = {b"%d" % k: b' s="%d"' % v for k, v in xf.items()}

    def cell(m: re.Match) -> bytes:
        ref, style, shared, index = m.groups()
        out = b'<c r="' + ref + b'"'
        if style is not None:
            out += xf_attr[style]
        if shared:
            out += b' t="inlineStr"><is>' + strings[int(index)] + b"</is></c>"
        return out

    def head_of(head: bytes) -> bytes:
        head = head.replace(b' tabSelected="1"', b"")
        if selected:
            head = head.replace(b"<sheetView ", b'<sheetView tabSelected="1" ', 1)
        return _COL_STYLE.sub(lambda m: m.group(1) + b"%d" % xf[int(m.group(2))] + m.group(3), head)

    pending, stage = b"", "head"  # head, then rows (inside sheetData), then tail
    for chunk in chunks:
        pending += chunk
        if stage == "head":
            start = pending.find(b"<sheetData>")
            if start < 0:
                continue
            yield head_of(pending[:start])
            pending, stage = pending[start:], "rows"
        if stage == "rows":
            end = pending.find(b"</sheetData>")
            if end >= 0:
                yield _CELL.sub(cell, pending[:end])
                pending, stage = pending[end:], "tail"
            elif len(pending) >= CHUNK and (last := pending.rfind(b"</row>")) >= 0:
                cut = last + len(b"</row>")
                yield _CELL.sub(cell, pending[:cut])
                pending = pending[cut:]
    if stage == "head":  # no rows at all
        yield head_of(pending)
    elif stage == "rows":
        raise ValueError("a rendered sheet without the end of its sheetData")
    else:
        yield _DXF.sub(lambda m: b'dxfId="%d"' % dxf[int(m.group(1))], pending)
