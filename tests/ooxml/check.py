"""Check an Excel package (.xlsx, .xlsm, .xlam) as Excel would before it offers to "repair" it.

`problems(path_or_bytes)` returns one line per problem, each naming the part, the rule and what
is wrong, e.g. ``xl/tables/table3.xml: table-header: B2 holds "Amount" but the tableColumn is
named "Amount (CNY)"``. Two kinds of check:

- **schema**: every XML part is validated against the ECMA-376 5th edition transitional
  schemas, the OPC schemas (content types, relationships, core properties with Dublin Core),
  and a ribbon part against Microsoft's customUI schema (tests/ooxml/schemas/SOURCE.txt says
  where each file comes from). Microsoft's extension schemas (x14, x14ac, x15, xr, c14, ...)
  are not published as XSD files we can ship, so markup compatibility (ECMA-376 Part 3) is
  processed first, as a consumer that understands only the transitional namespaces would:
  the namespaces named in mc:Ignorable lose their elements and attributes, and
  mc:AlternateContent becomes its first Choice whose Requires namespaces are all understood,
  else its Fallback. Extension content inside <extLst> is left to the schemas' lax wildcard,
  so it is not validated.
- **package rules** that no schema expresses: a content type for every part, every internal
  relationship target present, unique table names and ids, table header cells equal to their
  tableColumn names, tables not overlapping, style and dxf indexes in range, Excel's limits
  (formula 8,192 characters, cell text 32,767, a data-validation list 255), sheet names (no
  sheet named History: Excel reserves it), and docProps/app.xml listing exactly the sheets.

The schema set is compiled once per process (about 0.1 s).
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CUSTOMUI = {
    "http://schemas.microsoft.com/office/2009/07/customui": "customui14.libxml2.xsd",
    "http://schemas.microsoft.com/office/2006/01/customui": "customUI.libxml2.xsd",
}
OFFICE_DOCUMENT = REL + "/officeDocument"

# Excel's limits (Excel specifications and limits; ECMA-376 Part 1 §18.3.1.40 for formulas).
MAX_FORMULA = 8192
MAX_CELL_TEXT = 32767
MAX_LIST_VALIDATION = 255
MAX_SHEET_NAME = 31
RESERVED_SHEET_NAMES = {"history"}  # Excel keeps its change history under this name
FIRST_CUSTOM_NUMFMT = 164  # ids below are built in (ECMA-376 Part 1 §18.8.30)
MAX_SCHEMA_ERRORS = 5  # per part; the rest are counted
# A large part (a long history) that recurs byte for byte in the packages checked by one
# process (the splice copies the user's sheets unchanged) is validated once: what was found
# is kept by the part's digest, and a sound sheet with the strings and styles it was read with.
LARGE_PART = 1 << 18
_SCHEMA_FOUND: dict[bytes, list[str]] = {}
_SHEET_SOUND: dict[tuple, tuple[tuple[str, ...], _Styles]] = {}

# What a relationship of this type must point at (a wrong content type is a repair in Excel).
EXPECTED_CONTENT_TYPE = {
    REL + "/worksheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    REL + "/styles": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    REL + "/sharedStrings": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    ),
    REL + "/table": "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml",
    REL + "/drawing": "application/vnd.openxmlformats-officedocument.drawing+xml",
    REL + "/chart": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
    REL + "/theme": "application/vnd.openxmlformats-officedocument.theme+xml",
    REL + "/extended-properties": (
        "application/vnd.openxmlformats-officedocument.extended-properties+xml"
    ),
    PKG_REL + "/metadata/core-properties": (
        "application/vnd.openxmlformats-package.core-properties+xml"
    ),
}
WORKBOOK_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}

_SHORT_NS = {
    MAIN: "",
    REL: "r:",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "a:",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "c:",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp:",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@cache
def _schemas() -> tuple[etree.XMLSchema, frozenset[str]]:
    """The compiled transitional + OPC + Dublin Core set, and the namespaces it declares."""
    driver = SCHEMAS / "local" / "all-transitional.xsd"
    schema = etree.XMLSchema(etree.parse(str(driver), _PARSER))
    namespaces = {
        etree.parse(str(path), _PARSER).getroot().get("targetNamespace")
        for folder in ("transitional", "opc", "dcmi")
        for path in (SCHEMAS / folder).glob("*.xsd")
    }
    namespaces |= {"http://www.w3.org/XML/1998/namespace", MC}
    return schema, frozenset(ns for ns in namespaces if ns)


@cache
def _customui_schema(namespace: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "customui" / CUSTOMUI[namespace]), _PARSER))


def _understood() -> frozenset[str]:
    return _schemas()[1] | frozenset(CUSTOMUI)


# --- markup compatibility (ECMA-376 Part 3) -------------------------------------------------


def _prefixes(element: etree._Element, value: str | None) -> set[str]:
    return {element.nsmap.get(prefix) or "" for prefix in (value or "").split()}


def process_markup_compatibility(root: etree._Element, raw: bytes | None = None) -> etree._Element:
    """Remove ignorable markup and resolve AlternateContent, as a transitional-only reader does.

    Also drops xml:space: Excel writes it on <t> (and the Open XML SDK accepts it), but the
    ECMA-376 schemas' ST_Xstring declares no attributes. ``raw``, the part's bytes, lets a
    large sheet skip the attribute scans when no prefix of an ignorable namespace is used.
    """
    understood = _understood()
    for content in list(root.iter(_q(MC, "AlternateContent"))):
        if content.getparent() is not None:
            _replace(content, _alternative(content, understood))
    for element in _IGNORABLE(root):
        for prefix in element.get(_q(MC, "Ignorable"), "").split():
            ns = element.nsmap.get(prefix)
            if ns in understood or (raw is not None and f"{prefix}:".encode() not in raw):
                continue
            for child in list(element.iter(_q(ns, "*"))):
                if child is not element and child.getparent() is not None:
                    child.getparent().remove(child)
            for attribute in _ATTRIBUTES_IN(element, ns=ns):
                del attribute.getparent().attrib[attribute.attrname]
    if raw is None or b"xml:space" in raw or MC.encode() in raw:
        for attribute in _MC_ATTRIBUTES(root, mc=MC):
            del attribute.getparent().attrib[attribute.attrname]
    return root


_IGNORABLE = etree.XPath("descendant-or-self::*[@mc:Ignorable]", namespaces={"mc": MC})
_ATTRIBUTES_IN = etree.XPath("descendant-or-self::*/@*[namespace-uri()=$ns]")
_MC_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*[namespace-uri()=$mc or name()='xml:space']")


def _alternative(content: etree._Element, understood: frozenset[str]) -> list[etree._Element]:
    for branch in content:
        if branch.tag == _q(MC, "Choice"):
            if _prefixes(branch, branch.get("Requires")) <= understood:
                return list(branch)
        elif branch.tag == _q(MC, "Fallback"):
            return list(branch)
    return []


def _replace(old: etree._Element, new: list[etree._Element]) -> None:
    parent = old.getparent()
    at = parent.index(old)
    parent.remove(old)
    for offset, element in enumerate(new):
        parent.insert(at + offset, element)


# --- the package ------------------------------------------------------------------------------


@dataclass
class _Table:
    part: str
    sheet: str
    name: str
    id: str
    area: tuple[int, int, int, int]


@dataclass
class _Package:
    zip: zipfile.ZipFile
    parts: dict[str, str]  # lower-case part name (no leading slash) -> name in the zip
    content_types: dict[str, str] = field(default_factory=dict)  # zip name -> content type
    trees: dict[str, etree._Element] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # large parts not parsed yet
    digests: dict[str, bytes] = field(default_factory=dict)  # of the large parts
    found: list[str] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)

    def say(self, part: str, rule: str, what: str) -> None:
        self.found.append(f"{part}: {rule}: {what}")

    def has(self, name: str) -> bool:
        return name.lower() in self.parts

    def tree(self, name: str) -> etree._Element | None:
        """The part parsed (markup compatibility processed), or None if absent or not XML."""
        name = self.parts.get(name.lower(), name)
        if name not in self.trees and name in self.raw:
            _parsed(self, name, self.raw.pop(name), report=False)  # reported when first seen
        return self.trees.get(name)


def _open(path_or_bytes: str | os.PathLike[str] | bytes) -> zipfile.ZipFile:
    if isinstance(path_or_bytes, bytes | bytearray):
        return zipfile.ZipFile(io.BytesIO(path_or_bytes))
    return zipfile.ZipFile(Path(path_or_bytes))


def problems(path_or_bytes: str | os.PathLike[str] | bytes) -> list[str]:
    """Every schema and package-rule problem of an Excel package (empty when it is sound)."""
    with _open(path_or_bytes) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        package = _Package(archive, {n.lower(): n for n in names})
        if len(package.parts) != len(names):
            package.say("(package)", "part-names", "two parts differ only in letter case")
        _content_types(package, names)
        for name in names:
            _parse_and_validate(package, name)
        relationships = _relationships(package, names)
        _workbook(package, relationships)
    return package.found


def _content_types(package: _Package, names: list[str]) -> None:
    if "[content_types].xml" not in package.parts:
        package.say("[Content_Types].xml", "content-types", "missing")
        return
    root = etree.fromstring(package.zip.read(package.parts["[content_types].xml"]), _PARSER)
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType")
        for d in root.iter(_q(CONTENT_TYPES, "Default"))
    }
    overrides = {}
    for o in root.iter(_q(CONTENT_TYPES, "Override")):
        part = o.get("PartName", "").lstrip("/")
        overrides[unquote(part).lower()] = o.get("ContentType")
        if not package.has(unquote(part)):
            package.say(
                "[Content_Types].xml", "content-types", f"Override for a missing part /{part}"
            )
    for name in names:
        if name == package.parts["[content_types].xml"]:
            continue
        extension = posixpath.basename(name).rpartition(".")[2].lower()
        content_type = overrides.get(name.lower()) or defaults.get(extension)
        if content_type is None:
            package.say(name, "content-types", "no content type (neither Default nor Override)")
        else:
            package.content_types[name] = content_type


def _is_xml(package: _Package, name: str) -> bool:
    content_type = package.content_types.get(name, "")
    return (
        content_type.endswith("xml")
        or name.lower().endswith((".xml", ".rels", ".vml"))
        or name == package.parts.get("[content_types].xml")
    )


def _parse_and_validate(package: _Package, name: str) -> None:
    if not _is_xml(package, name):
        return
    raw = package.zip.read(name)
    digest = hashlib.sha1(raw).digest() if len(raw) > LARGE_PART else None
    if digest is not None:
        package.digests[name] = digest
    if digest in _SCHEMA_FOUND:  # the same large part in an earlier package: parsed when needed
        package.raw[name] = raw
        package.found.extend(f"{name}: {what}" for what in _SCHEMA_FOUND[digest])
        return
    before = len(package.found)
    root = _parsed(package, name, raw)
    if root is None:
        return
    namespace = etree.QName(root).namespace
    if namespace in CUSTOMUI:
        targets, schema = [root], _customui_schema(namespace)
    elif namespace is None and etree.QName(root).localname == "xml":  # VML: a bag of shapes
        targets, schema = [c for c in root if isinstance(c.tag, str)], _schemas()[0]
    else:
        targets, schema = [root], _schemas()[0]
    errors = []
    for target in targets:
        if not schema.validate(etree.ElementTree(target)):
            errors.extend(schema.error_log)
    for error in errors[:MAX_SCHEMA_ERRORS]:
        package.say(name, "schema", f"line {error.line}: {_shorten(error.message)}")
    if len(errors) > MAX_SCHEMA_ERRORS:
        package.say(name, "schema", f"… and {len(errors) - MAX_SCHEMA_ERRORS} more")
    if digest is not None:
        _SCHEMA_FOUND[digest] = [line.split(": ", 1)[1] for line in package.found[before:]]


def _parsed(package: _Package, name: str, raw: bytes, report: bool = True) -> etree._Element | None:
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        if report:
            package.say(name, "well-formed", str(exc))
        return None
    package.trees[name] = process_markup_compatibility(root, raw)
    return root


def _shorten(message: str) -> str:
    for ns, prefix in _SHORT_NS.items():
        message = message.replace(f"{{{ns}}}", prefix)
    return message


# --- relationships --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Relationship:
    source: str  # zip name of the source part ("" for the package)
    id: str
    type: str
    target: str  # zip name of the target part, for an internal one


def _rels_source(rels_name: str) -> str:
    folder, file = posixpath.split(rels_name)
    return posixpath.join(posixpath.dirname(folder), file[: -len(".rels")])


def _relationships(package: _Package, names: list[str]) -> dict[str, list[_Relationship]]:
    """source zip name -> its relationships; reports dangling and duplicate ones."""
    found: dict[str, list[_Relationship]] = {}
    for name in names:
        folder, file = posixpath.split(name)
        if posixpath.basename(folder) != "_rels" or not file.endswith(".rels"):
            continue
        source = _rels_source(name)
        if source and not package.has(source):
            package.say(name, "relationships", f"relationships of a missing part /{source}")
        root = package.tree(name)
        if root is None:
            continue
        base = posixpath.dirname(source)
        ids: set[str] = set()
        for rel in root.iter(_q(PKG_REL, "Relationship")):
            rid, target = rel.get("Id", ""), unquote(rel.get("Target", ""))
            if rid in ids:
                package.say(name, "relationships", f"Id {rid} used twice")
            ids.add(rid)
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            path = posixpath.normpath(path)
            if not package.has(path):
                package.say(name, "relationships", f"{rid} points at a missing part /{path}")
                continue
            path = package.parts[path.lower()]
            relation = _Relationship(
                package.parts.get(source.lower(), source), rid, rel.get("Type", ""), path
            )
            found.setdefault(relation.source, []).append(relation)
            expected = EXPECTED_CONTENT_TYPE.get(relation.type)
            actual = package.content_types.get(path)
            if expected and actual and actual != expected:
                package.say(
                    path, "content-types", f"is {actual}, a {relation.type} needs {expected}"
                )
    return found


def _related(rels: dict[str, list[_Relationship]], source: str, kind: str) -> list[_Relationship]:
    return [r for r in rels.get(source, []) if r.type.endswith("/" + kind)]


# --- the workbook ---------------------------------------------------------------------------

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _cell(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of an A1 reference."""
    match = _CELL.match(ref.upper())
    if not match:
        raise ValueError(ref)
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _address(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    (r1, c1), (r2, c2) = _cell(first), _cell(last or first)
    return r1, c1, r2, c2


def _text(element: etree._Element | None) -> str:
    """The text of a string item (<si>, <is>): its <t>, or its runs' <t>s, not phonetic runs."""
    if element is None:
        return ""
    return "".join(
        t.text or "" for t in element.iter(_q(MAIN, "t")) if t.getparent().tag != _q(MAIN, "rPh")
    )


@dataclass(frozen=True)
class _Styles:
    cell_xfs: int = 0
    dxfs: int = 0


def _workbook(package: _Package, rels: dict[str, list[_Relationship]]) -> None:
    documents = _related(rels, "", "officeDocument")
    if not documents:
        package.say("_rels/.rels", "relationships", "no officeDocument relationship")
        return
    name = documents[0].target
    if package.content_types.get(name) not in WORKBOOK_CONTENT_TYPES:
        package.say(name, "content-types", f"{package.content_types.get(name)} is not a workbook")
    root = package.tree(name)
    if root is None:
        return
    strings = _shared_strings(package, rels, name)
    styles = _styles(package, rels, name)
    by_id = {r.id: r for r in rels.get(name, [])}
    sheets: list[str] = []
    seen: set[str] = set()
    for sheet in root.iter(_q(MAIN, "sheet")):
        title = sheet.get("name", "")
        sheets.append(title)
        _sheet_name(package, name, title, seen)
        relation = by_id.get(sheet.get(_q(REL, "id"), ""))
        if relation is None:
            package.say(name, "relationships", f"sheet {title!r} names no relationship")
        elif relation.type.endswith("/worksheet"):
            _worksheet(package, rels, relation.target, title, strings, styles)
    _defined_names(package, name, root, len(sheets))
    _tables_unique(package)
    _app_properties(package, rels, sheets)


def _sheet_name(package: _Package, part: str, title: str, seen: set[str]) -> None:
    if title.lower() in seen:
        package.say(part, "sheet-name", f"{title!r} used twice")
    seen.add(title.lower())
    if title.lower() in RESERVED_SHEET_NAMES:
        package.say(part, "sheet-name", f"{title!r} is reserved by Excel (change history)")
    if not title or len(title) > MAX_SHEET_NAME or re.search(r"[\[\]:*?/\\]", title):
        package.say(part, "sheet-name", f"{title!r} is not a name Excel allows")
    elif title.startswith("'") or title.endswith("'"):
        package.say(part, "sheet-name", f"{title!r} starts or ends with an apostrophe")


def _defined_names(package: _Package, part: str, root: etree._Element, sheets: int) -> None:
    seen: set[tuple[str, str]] = set()
    for defined in root.iter(_q(MAIN, "definedName")):
        scope = defined.get("localSheetId", "")
        key = (defined.get("name", "").lower(), scope)
        if key in seen:
            package.say(part, "defined-name", f"{defined.get('name')!r} defined twice")
        seen.add(key)
        if scope and not int(scope) < sheets:
            package.say(part, "defined-name", f"{defined.get('name')!r} scoped to no sheet")
        if len(defined.text or "") > MAX_FORMULA:
            package.say(part, "formula-length", f"name {defined.get('name')!r} is too long")


def _shared_strings(
    package: _Package, rels: dict[str, list[_Relationship]], workbook: str
) -> list[str]:
    found = _related(rels, workbook, "sharedStrings")
    root = package.tree(found[0].target) if found else None
    if root is None:
        return []
    strings = [_text(si) for si in root.iter(_q(MAIN, "si"))]
    for index, text in enumerate(strings):
        if len(text) > MAX_CELL_TEXT:
            package.say(
                found[0].target, "cell-text", f"string {index} has {len(text):,} characters"
            )
    return strings


def _styles(package: _Package, rels: dict[str, list[_Relationship]], workbook: str) -> _Styles:
    found = _related(rels, workbook, "styles")
    root = package.tree(found[0].target) if found else None
    if root is None:
        return _Styles()
    part = found[0].target

    def count(tag: str) -> int:
        element = root.find(_q(MAIN, tag))
        return 0 if element is None else len([c for c in element if isinstance(c.tag, str)])

    sizes = {key: count(key) for key in ("fonts", "fills", "borders", "cellStyleXfs", "dxfs")}
    formats = {int(n.get("numFmtId", "0")) for n in root.iter(_q(MAIN, "numFmt"))}
    for group in ("cellStyleXfs", "cellXfs"):
        element = root.find(_q(MAIN, group))
        for index, xf in enumerate([] if element is None else element.iter(_q(MAIN, "xf"))):
            for attribute, size in (
                ("fontId", sizes["fonts"]),
                ("fillId", sizes["fills"]),
                ("borderId", sizes["borders"]),
                ("xfId", sizes["cellStyleXfs"]),
            ):
                value = xf.get(attribute)
                if value is not None and not int(value) < size:
                    package.say(
                        part, "style-index", f"{group}[{index}] {attribute}={value} of {size}"
                    )
            number_format = int(xf.get("numFmtId", "0"))
            if number_format >= FIRST_CUSTOM_NUMFMT and number_format not in formats:
                package.say(
                    part, "style-index", f"{group}[{index}] numFmtId={number_format} undefined"
                )
    for style in root.iter(_q(MAIN, "cellStyle")):
        if not int(style.get("xfId", "0")) < sizes["cellStyleXfs"]:
            package.say(part, "style-index", f"cellStyle {style.get('name')!r} xfId out of range")
    return _Styles(cell_xfs=count("cellXfs"), dxfs=sizes["dxfs"])


def _worksheet(
    package: _Package,
    rels: dict[str, list[_Relationship]],
    part: str,
    title: str,
    strings: list[str],
    styles: _Styles,
) -> None:
    headers: dict[str, tuple[str, str]] = {}  # header cell -> (table part, column name)
    mine: list[_Table] = []
    for relation in _related(rels, part, "table"):
        table = _table(package, relation.target, title, styles, headers)
        if table is not None:
            mine.append(table)
    for i, one in enumerate(mine):
        for other in mine[i + 1 :]:
            if _overlap(one.area, other.area):
                package.say(
                    one.part, "table-overlap", f"{one.name} overlaps {other.name} on {title!r}"
                )
    package.tables.extend(mine)
    key = None
    if part in package.digests:
        key = (package.digests[part], part, title, tuple(headers.items()))
        if _sheet_sound_before(key, strings, styles):
            return
    root = package.tree(part)
    if root is None:
        return
    before = len(package.found)
    _sheet_rules(package, part, root, title, strings, styles, headers)
    if key is not None and len(package.found) == before:
        _SHEET_SOUND[key] = (tuple(strings), styles)


def _sheet_sound_before(key: tuple, strings: list[str], styles: _Styles) -> bool:
    """Whether the same sheet was sound with fewer styles and strings (the splice appends its
    own to the user's): then it is sound now."""
    if key not in _SHEET_SOUND:
        return False
    old_strings, old_styles = _SHEET_SOUND[key]
    return (
        tuple(strings[: len(old_strings)]) == old_strings
        and old_styles.cell_xfs <= styles.cell_xfs
        and old_styles.dxfs <= styles.dxfs
    )


def _sheet_rules(
    package: _Package,
    part: str,
    root: etree._Element,
    title: str,
    strings: list[str],
    styles: _Styles,
    headers: dict[str, tuple[str, str]],
) -> None:
    _cells(package, part, root, strings, styles, headers)
    for cell, (table_part, column) in headers.items():
        package.say(
            table_part, "table-header", f"{title}!{cell} is empty, the column is {column!r}"
        )
    for rule in root.iter(_q(MAIN, "cfRule")):
        _dxf(package, part, f"cfRule {rule.get('type')}", rule.get("dxfId"), styles)
    for validation in root.iter(_q(MAIN, "dataValidation")):
        formula = validation.findtext(_q(MAIN, "formula1")) or ""
        if validation.get("type") == "list":
            listed = formula[1:-1] if formula.startswith('"') else formula
            if len(listed) > MAX_LIST_VALIDATION:
                package.say(
                    part,
                    "validation-list",
                    f"{validation.get('sqref')}: a list of {len(listed)} characters "
                    f"(Excel allows {MAX_LIST_VALIDATION})",
                )
    for column in root.iter(_q(MAIN, "col")):
        _style(package, part, f"col {column.get('min')}", column.get("style"), styles)


def _dxf(package: _Package, part: str, where: str, value: str | None, styles: _Styles) -> None:
    if value is not None and not int(value) < styles.dxfs:
        package.say(part, "dxf-index", f"{where}: dxfId {value} of {styles.dxfs} dxfs")


def _style(package: _Package, part: str, where: str, value: str | None, styles: _Styles) -> None:
    if value is not None and not int(value) < styles.cell_xfs:
        package.say(part, "style-index", f"{where}: s={value} of {styles.cell_xfs} cellXfs")


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _table(
    package: _Package,
    part: str,
    sheet: str,
    styles: _Styles,
    headers: dict[str, tuple[str, str]],
) -> _Table | None:
    root = package.tree(part)
    if root is None:
        return None
    area = _range(root.get("ref", "A1"))
    table = _Table(part, sheet, root.get("name", ""), root.get("id", ""), area)
    columns = list(root.iter(_q(MAIN, "tableColumn")))
    if len(columns) != area[3] - area[1] + 1:
        package.say(part, "table-columns", f"{len(columns)} tableColumns for ref {root.get('ref')}")
    names: set[str] = set()
    for offset, column in enumerate(columns):
        name = column.get("name", "")
        if name.lower() in names:
            package.say(part, "table-columns", f"column {name!r} twice in {table.name}")
        names.add(name.lower())
        if root.get("headerRowCount", "1") != "0":
            headers[_address(area[0], area[1] + offset)] = (part, name)
        for attribute in ("dataDxfId", "headerRowDxfId", "totalsRowDxfId"):
            _dxf(package, part, f"{table.name}[{name}]", column.get(attribute), styles)
    for attribute in ("headerRowDxfId", "dataDxfId", "totalsRowDxfId"):
        _dxf(package, part, table.name, root.get(attribute), styles)
    return table


def _cells(
    package: _Package,
    part: str,
    root: etree._Element,
    strings: list[str],
    styles: _Styles,
    headers: dict[str, tuple[str, str]],
) -> None:
    """Styles, lengths and table headers of a sheet's cells (XPath: a sheet may hold 100,000)."""
    for kind, values in (("row", _ROW_STYLES(root)), ("cell", _CELL_STYLES(root))):
        for value in set(values):
            if not int(value) < styles.cell_xfs:
                first = root.xpath(f"m:sheetData/m:row//*[@s='{int(value)}']/@r", namespaces=_NS)
                _style(package, part, f"{kind} {''.join(first[:1])}", value, styles)
    for formula in root.iter(_q(MAIN, "f")):
        if len(formula.text or "") > MAX_FORMULA:
            where = formula.getparent().get("r")
            package.say(part, "formula-length", f"{where}: {len(formula.text):,} characters")
    indexes = [int(v) for v in _SHARED_STRING_INDEXES(root)]
    if indexes and not 0 <= min(indexes) <= max(indexes) < len(strings):
        bad = [i for i in indexes if not 0 <= i < len(strings)]
        package.say(part, "shared-string", f"index {bad[0]} of {len(strings)} strings")
    for cell in _TEXT_CELLS(root):
        text = _cell_text(cell, strings)
        if len(text) > MAX_CELL_TEXT:
            package.say(part, "cell-text", f"{cell.get('r')}: {len(text):,} characters")
    header_rows = {_cell(ref)[0] for ref in headers}
    for row in _ROWS(root):
        if int(row.get("r", "0")) not in header_rows:
            continue
        for cell in row.iter(_q(MAIN, "c")):
            header = headers.pop(cell.get("r", ""), None)
            text = _cell_text(cell, strings)
            if header is not None and text != header[1]:
                package.say(
                    header[0],
                    "table-header",
                    f"{cell.get('r')} holds {text!r}, the tableColumn is {header[1]!r}",
                )


_NS = {"m": MAIN}
_ROWS = etree.XPath("m:sheetData/m:row", namespaces=_NS)
_ROW_STYLES = etree.XPath("m:sheetData/m:row/@s", namespaces=_NS, smart_strings=False)
_CELL_STYLES = etree.XPath("m:sheetData/m:row/m:c/@s", namespaces=_NS, smart_strings=False)
_SHARED_STRING_INDEXES = etree.XPath(
    "m:sheetData/m:row/m:c[@t='s']/m:v/text()", namespaces=_NS, smart_strings=False
)
_TEXT_CELLS = etree.XPath("m:sheetData/m:row/m:c[@t='str' or @t='inlineStr']", namespaces=_NS)


def _cell_text(cell: etree._Element, strings: list[str]) -> str:
    """What a cell shows as text (a whole number without its ".0")."""
    kind, value = cell.get("t", "n"), cell.findtext(_q(MAIN, "v"))
    if kind == "s":
        index = int(value or "-1")
        return strings[index] if 0 <= index < len(strings) else ""
    if kind == "inlineStr":
        return _text(cell.find(_q(MAIN, "is")))
    if kind == "n" and value:
        number = float(value)
        return str(int(number)) if number.is_integer() else value
    return value or ""


def _tables_unique(package: _Package) -> None:
    names: dict[str, _Table] = {}
    ids: dict[str, _Table] = {}
    for table in package.tables:
        if table.name.lower() in names:
            first = names[table.name.lower()]
            package.say(table.part, "table-name", f"{table.name} also in {first.part}")
        names.setdefault(table.name.lower(), table)
        if table.id in ids:
            package.say(table.part, "table-id", f"id {table.id} also in {ids[table.id].part}")
        ids.setdefault(table.id, table)


def _app_properties(
    package: _Package, rels: dict[str, list[_Relationship]], sheets: list[str]
) -> None:
    found = _related(rels, "", "extended-properties")
    root = package.tree(found[0].target) if found else None
    if root is None:
        return
    part = found[0].target
    titles_element = root.find(_q(EXTENDED, "TitlesOfParts"))
    pairs_element = root.find(_q(EXTENDED, "HeadingPairs"))
    if titles_element is None and pairs_element is None:
        return
    titles = (
        []
        if titles_element is None
        else [t.text or "" for t in titles_element.iter(_q(VT, "lpstr"))]
    )
    counts = []
    for variant in [] if pairs_element is None else pairs_element.iter(_q(VT, "variant")):
        count = variant.findtext(_q(VT, "i4"))
        if count is not None:
            counts.append(int(count))
    if sum(counts) != len(titles):
        package.say(
            part,
            "app-properties",
            f"HeadingPairs count {sum(counts)} titles, TitlesOfParts has {len(titles)}",
        )
    leading = list(_running_sums(counts))
    n = len(sheets)
    listed = titles[:n] if n in leading else titles[: leading[0] if leading else 0]
    missing = [sheet for sheet in sheets if sheet.lower() not in {t.lower() for t in listed}]
    extra = [title for title in listed if title.lower() not in {s.lower() for s in sheets}]
    if missing or extra or n not in leading:
        package.say(
            part,
            "app-properties",
            f"HeadingPairs/TitlesOfParts list {len(listed)} sheets, the workbook has {n}"
            f" (not listed: {missing}; no such sheet: {extra})",
        )


def _running_sums(counts: Iterable[int]) -> Iterator[int]:
    total = 0
    for count in counts:
        total += count
        yield total
