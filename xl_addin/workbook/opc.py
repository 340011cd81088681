"""The package model of an .xlsx (Open Packaging Conventions): parts, relationships and content
types, read with XML-bomb protection; fresh part names and relationship ids.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from engine.problems import Message, PlanError, Problem, said
from xl_addin.workbook.xmltext import XML_DECLARATION, esc

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


XML_NS = "http://www.w3.org/XML/1998/namespace"


REL_OFFICE_DOCUMENT = DOC_RELS + "/officeDocument"


REL_STRICT_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"


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


STRICT = said("strict_open_xml")


STRICT_HINT = said("strict_open_xml_hint")


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # the zip member it points to, resolved; None when external


class Package:
    def __init__(self, z: zipfile.ZipFile):
        self.zip = z
        self.infos = z.infolist()
        self.names = {i.filename.casefold(): i.filename for i in self.infos}
        self._rels: dict[str, list[Rel]] = {}

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def has(self, name: str) -> bool:
        return name.casefold() in self.names

    def actual(self, name: str) -> str:
        """The member's name as stored (part names are case-insensitive)."""
        return self.names.get(name.casefold(), name)

    def rels(self, part: str) -> list[Rel]:
        if part not in self._rels:
            name = rels_name(part)
            self._rels[part] = (
                parse_rels(self.read(self.actual(name)), part, self) if self.has(name) else []
            )
        return self._rels[part]

    def reachable(self, changed: dict[str, list[Rel]]) -> set[str]:
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


def parse_rels(data: bytes, part: str, package: Package | None = None) -> list[Rel]:
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
        out.append(Rel(rel.get("Id", ""), rel.get("Type", ""), target, external, resolved))
    return out


def rels_xml(rels: list[Rel]) -> bytes:
    items = "".join(
        f'<Relationship Id="{esc(r.id)}" Type="{esc(r.type)}" Target="{esc(r.target)}"'
        + (' TargetMode="External"' if r.external else "")
        + "/>"
        for r in rels
    )
    return (XML_DECLARATION + f'<Relationships xmlns="{PKG_RELS}">{items}</Relationships>').encode()


def parse(data: bytes, part: str) -> Element:
    """A part's XML, parsed without resolving any entity; one that is not well-formed or
    declares entities is refused as a part Excel never writes."""
    try:
        return fromstring(data)
    except ParseError as exc:
        line, column = exc.position
        error = said("xml_error_at", line=line, column=column + 1, error=ErrorString(exc.code))
        raise problem(part, said("part_not_xml", error=error), said("resave_in_excel")) from None
    except DefusedXmlException:
        raise problem(part, said("part_dtd"), said("resave_in_excel")) from None
    except ValueError as exc:
        message = said("part_unreadable", error=str(exc))
        raise problem(part, message, said("part_unreadable_hint")) from None


@dataclass
class ContentTypes:
    defaults: list[tuple[str, str]]  # (extension, content type)
    overrides: dict[str, str]  # part name (no leading /, as stored) -> content type

    @classmethod
    def read(cls, data: bytes) -> ContentTypes:
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
            f'<Default Extension="{esc(e)}" ContentType="{esc(ct)}"/>' for e, ct in self.defaults
        )
        overrides = "".join(
            f'<Override PartName="/{esc(p)}" ContentType="{esc(ct)}"/>'
            for p, ct in self.overrides.items()
        )
        return (
            XML_DECLARATION + f'<Types xmlns="{CONTENT_TYPES}">{defaults}{overrides}</Types>'
        ).encode()


def office_document(package: Package, filename: str) -> str:
    for rel in package.rels(""):
        if rel.type == REL_OFFICE_DOCUMENT and rel.part and package.has(rel.part):
            return rel.part
    if any(r.type == REL_STRICT_DOCUMENT for r in package.rels("")):
        raise problem(filename, STRICT, STRICT_HINT)
    raise problem(filename, said("no_workbook_part"), said("save_as_xlsx"))


def problem(where: str, message: Message, hint: Message) -> PlanError:
    return PlanError([Problem(where, "", message, hint)])


def fresh(taken: set[str], folder: str, stem: str) -> str:
    """folder/stemN.xml with N one more than any stemN.xml already there."""
    pattern = re.compile(re.escape(f"{folder}/{stem}".casefold()) + r"(\d+)\.xml$")
    n = max((int(m.group(1)) for t in taken if (m := pattern.match(t))), default=0) + 1
    name = f"{folder}/{stem}{n}.xml"
    taken.add(name.casefold())
    return name


def fresh_id(ids: set[str]) -> str:
    n = max((int(m.group(1)) for i in ids if (m := re.fullmatch(r"rId(\d+)", i))), default=0) + 1
    while f"rId{n}" in ids:
        n += 1
    ids.add(f"rId{n}")
    return f"rId{n}"
