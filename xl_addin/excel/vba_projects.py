"""salesplan.xlam and the VBA project of a macro-enabled plan, built from xlwings' own files.

Both start from a template inside the installed xlwings package (BSD-licensed core, never
xlwings/pro): `quickstart_addin.xlam` for the add-in, `quickstart_standalone.xlsm` for a
plan. Their `xlwings` VBA module is replaced by the installed release's own .bas (checked
to be that release), so the VBA, the DLL name it declares and the Python side are one
version. pyOpenVBA edits the VBA projects; the ribbon is an added package part.

What Excel is given to compile (MS-OVBA): every module as source alone (a module stream
holds only its compressed text, MODULEOFFSET 0, no performance cache carried over from a
template), the minimal version-independent `_VBA_PROJECT` stream (version 0xFFFF: Excel
compiles the project again on first open), no `__SRP_*` streams, a PROJECT stream as
MS-OVBA 2.3.1 spells it, and a document module for the workbook and for every sheet.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import xlwings
from defusedxml import ElementTree
from pyopenvba import ExcelFile
from pyopenvba.cfb import CFB
from pyopenvba.vba import VBAModuleKind

from xl_addin.excel.sources import VBA_MODULE, check_ascii, ribbon_xml, salesplan_module
from xl_addin.excel.udf_wrappers import WRAPPER_MODULE, Signature, udf_wrappers
from xl_addin.workbook import atomic

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
ADDIN_TEMPLATE = XLWINGS_DIR / "quickstart_addin.xlam"
WORKBOOK_TEMPLATE = XLWINGS_DIR / "quickstart_standalone.xlsm"
ADDIN_XLWINGS_BAS = XLWINGS_DIR / "xlwings_custom_addin.bas"  # RunPython on ActiveWorkbook
WORKBOOK_XLWINGS_BAS = XLWINGS_DIR / "xlwings.bas"  # RunPython on ThisWorkbook
SAMPLE_MODULE = "Module1"  # the quickstart templates' sample macro

ADDIN_NAME = "salesplan.xlam"
UDF_MODULE = "xl_addin.excel.udfs"
# xlwings_custom_addin.bas names its settings after PROJECT_NAME ("myaddin.conf"). salesplan
# uses xlwings' own name, so one `xlwings.conf` sheet in a plan and the user's
# ~/.xlwings/xlwings.conf (`xlwings config create`) serve the add-in and the plan alike.
PROJECT_NAME = "xlwings"
_PROJECT_NAME_LINE = 'Public Const PROJECT_NAME As String = "{}"'

RIBBON_PART = "customUI/customUI14.xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
# customUI.xml of Excel 2007: a template's ribbon of that kind is replaced too.
OFFICE2007_RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_ADDIN_CONF_SHEET = ("_myaddin.conf", "_xlwings.conf")  # the template's inactive settings sheet
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # every part's date: the add-in is byte-reproducible
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

# Document modules. A macro-enabled file saved by Excel gives the workbook and every sheet a
# code name (workbookPr and sheetPr codeName) and a document module of that name, which holds
# only its attribute header until code is typed into it; VB_Base names the kind of document.
# salesplan writes the same rather than leaving the code names out: XlsxWriter names every
# sheet once a VBA project is added, and a code name without its module is a project Excel
# would have to mend on open.
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CHARTSHEET_BASE = "0{00020821-0000-0000-C000-000000000046}"
_SHEET_BASES = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet": WORKSHEET_BASE,
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet": (
        CHARTSHEET_BASE
    ),
}
_DOCUMENT_BASES = {WORKBOOK_BASE, WORKSHEET_BASE, CHARTSHEET_BASE}
# MS-OVBA 2.3.4.1: the seven version-independent bytes and no PerformanceCache: Reserved1
# 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on write", so no compiled state is trusted),
# Reserved2 0x00, Reserved3 as in the specification's example (3.1.1).
MINIMAL_VBA_PROJECT = b"\xcc\x61\xff\xff\x00\x01\x00"
PROJECT_CODEC = "cp1252"  # PROJECTCODEPAGE of xlwings' templates (checked when built)
_PROJECT_ITEMS = ("Document", "Module", "Class", "BaseClass", "Package")
_PROJECT_SECTIONS = ("[Host Extender Info]", "[Workspace]")


@dataclass(frozen=True)
class VbaProject:
    data: bytes  # vbaProject.bin
    functions: tuple[Signature, ...]  # the worksheet functions it registers


def build_addin(
    path: str | os.PathLike, locale: str = "zh-CN", udf_module: str | None = None
) -> Path:
    """Write salesplan.xlam: the salesplan ribbon tab, its macros and the worksheet functions
    of `udf_module` (default: UDF_MODULE)."""
    path = Path(path)
    # First, so that a missing module fails before anything is written.
    wrappers = udf_wrappers(udf_module or UDF_MODULE, ADDIN_NAME)
    documents = package_documents(ADDIN_TEMPLATE.read_bytes())
    with tempfile.TemporaryDirectory(prefix="salesplan-addin-") as tmp:
        work, built = Path(tmp, ADDIN_NAME), Path(tmp, "built.xlam")
        shutil.copyfile(ADDIN_TEMPLATE, work)
        with ExcelFile(work) as book:
            _set_modules(
                book, addin_xlwings_module(), salesplan_module(locale), wrappers.source, documents
            )
            book.save(built)
        package = _with_ribbon(built.read_bytes(), ribbon_xml(locale), documents)
    atomic.write_bytes(path, package)
    return path


def workbook_vba_project(
    locale: str,
    workbook_name: str,
    documents: Mapping[str, str],
    udf_module: str | None = None,
) -> VbaProject:
    """vbaProject.bin for a macro-enabled plan (XlsxWriter's add_vba_project takes it), with a
    document module for each code name of `documents` ({code name: VB_Base}, the workbook's
    and every sheet's)."""
    wrappers = udf_wrappers(udf_module or UDF_MODULE, workbook_name)
    with tempfile.TemporaryDirectory(prefix="salesplan-vba-") as tmp:
        work, built = Path(tmp, "template.xlsm"), Path(tmp, "built.xlsm")
        shutil.copyfile(WORKBOOK_TEMPLATE, work)
        with ExcelFile(work) as book:
            xlwings_source = WORKBOOK_XLWINGS_BAS.read_text(encoding="utf-8")
            _set_modules(book, xlwings_source, salesplan_module(locale), wrappers.source, documents)
            book.save(built)
        with zipfile.ZipFile(built) as z:
            data = z.read("xl/vbaProject.bin")
    return VbaProject(compiled_from_source(data, documents), wrappers.functions)


def document_module(name: str, base: str) -> str:
    """A document module as Excel writes one for a workbook or sheet: its attribute header."""
    return (
        f'Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "{base}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n"
    )


def package_documents(package: bytes) -> dict[str, str]:
    """{code name: VB_Base} of a package's workbook and of each sheet that has a code name."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r for r in rels}
        found = {}
        properties = workbook.find(f"{_MAIN_NS}workbookPr")
        if properties is not None and properties.get("codeName"):
            found[properties.get("codeName")] = WORKBOOK_BASE
        for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
            rel = targets[sheet.get(_R_ID)]
            target = rel.get("Target")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheet_properties = ElementTree.fromstring(z.read(part)).find(f"{_MAIN_NS}sheetPr")
            if sheet_properties is not None and sheet_properties.get("codeName"):
                found[sheet_properties.get("codeName")] = _SHEET_BASES[rel.get("Type")]
    return found


def addin_xlwings_module() -> str:
    """The installed xlwings' custom add-in module, its settings named after xlwings."""
    source = ADDIN_XLWINGS_BAS.read_text(encoding="utf-8")
    template_line = re.search(_PROJECT_NAME_LINE.format('[^"]*'), source)
    if template_line is None:
        raise RuntimeError(
            f"{ADDIN_XLWINGS_BAS.name} of xlwings {xlwings.__version__} has no PROJECT_NAME "
            "constant; salesplan does not know this xlwings release's add-in module"
        )
    return source.replace(template_line.group(0), _PROJECT_NAME_LINE.format(PROJECT_NAME), 1)


def vba_version(source: str) -> str | None:
    """The xlwings release an xlwings VBA module belongs to."""
    m = re.search(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', source)
    return m.group(1) if m else None


@dataclass(frozen=True)
class FileVba:
    """What doctor needs to know of the VBA in a file."""

    xlwings_version: str | None  # of its xlwings module
    built_with: str | None  # SALESPLAN_XLWINGS_VERSION in its Salesplan module
    modules: tuple[str, ...]
    functions: tuple[str, ...] = ()  # worksheet functions its xlwings_udfs module declares


def read_file_vba(path: str | os.PathLike) -> FileVba:
    """The VBA modules of an .xlsm/.xlam and the xlwings versions they record."""
    with ExcelFile(path) as book:
        if not book.has_vba_project():
            return FileVba(None, None, ())
        names = tuple(book.module_names())
        by_name = {n.casefold(): n for n in names}
        xlwings_source = book.get_module(by_name["xlwings"]) if "xlwings" in by_name else ""
        ours = by_name.get(VBA_MODULE.casefold())
        marker = None
        if ours:
            m = re.search(r'SALESPLAN_XLWINGS_VERSION As String = "([^"]*)"', book.get_module(ours))
            marker = m.group(1) if m else None
        wrappers = by_name.get(WRAPPER_MODULE.casefold())
        functions = ()
        if wrappers:
            source = book.get_module(wrappers)
            functions = tuple(re.findall(r"^Function\s+(\w+)\(", source, re.MULTILINE))
    return FileVba(vba_version(xlwings_source), marker, names, functions)


def _set_modules(
    book: ExcelFile,
    xlwings_source: str,
    salesplan_source: str,
    wrappers_source: str,
    documents: Mapping[str, str],
) -> None:
    """The template's project made salesplan's: its modules, a document module for each code
    name and none other, every module stored again as source alone."""
    project = book.vba_project()
    if project.code_page != 1252:
        raise RuntimeError(
            f"the VBA project of xlwings {xlwings.__version__}'s template has code page "
            f"{project.code_page}; salesplan knows code page 1252 only"
        )
    _set_xlwings_module(book, xlwings_source)
    _add_salesplan_modules(book, salesplan_source, wrappers_source)
    wanted = {name.casefold(): (name, base) for name, base in documents.items()}
    for module in list(project.modules):
        base = re.search(r'^Attribute VB_Base = "([^"]*)"', module.source, re.MULTILINE)
        if base and base.group(1) in _DOCUMENT_BASES and module.name.casefold() not in wanted:
            project.delete_module(module.name)  # a template sheet's, not one of this file
    present = {m.name.casefold() for m in project.modules}
    for key, (name, base) in wanted.items():
        if key not in present:
            project.add_module(name, document_module(name, base), kind=VBAModuleKind.other)
    # Rewritten, every module starts at MODULEOFFSET 0: the template's compiled performance
    # cache (the bytes before its source) is dropped, and the line ends are VBA's CRLF.
    for module in project.modules:
        module.source = _crlf(module.source)
        module.dirty = True


def _crlf(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\n", "\r\n")


def _set_xlwings_module(book: ExcelFile, source: str) -> None:
    """The template's xlwings module replaced by the installed release's."""
    if "xlwings" not in book.module_names():
        raise RuntimeError(f"xlwings {xlwings.__version__}'s template has no xlwings VBA module")
    if vba_version(source) != xlwings.__version__:
        raise RuntimeError(
            f"the xlwings VBA shipped with xlwings {xlwings.__version__} says it is "
            f"{vba_version(source)}; reinstall xlwings"
        )
    book.set_module("xlwings", _crlf(source))


def _add_salesplan_modules(book: ExcelFile, salesplan_source: str, wrappers_source: str) -> None:
    project = book.vba_project()
    if SAMPLE_MODULE in book.module_names():
        project.delete_module(SAMPLE_MODULE)
    for name, source in ((VBA_MODULE, salesplan_source), (WRAPPER_MODULE, wrappers_source)):
        check_ascii(name, source)
        project.add_module(name, source)


def compiled_from_source(vba_project: bytes, documents: Mapping[str, str]) -> bytes:
    """vbaProject.bin as Excel is to compile it: the minimal `_VBA_PROJECT` stream, no SRP
    streams, and the PROJECT stream in MS-OVBA's grammar with `documents` declared as such."""
    cfb = CFB.from_bytes(vba_project)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", MINIMAL_VBA_PROJECT)
    cfb.drop_streams_in_storage("VBA", lambda name: name.startswith("__SRP_"))
    cfb.write_stream("PROJECT", project_stream(cfb.get_stream("PROJECT"), documents))
    return cfb.to_bytes()


def project_stream(raw: bytes, documents: Mapping[str, str]) -> bytes:
    """The PROJECT stream's text as MS-OVBA 2.3.1 spells it, as Excel writes it: the project's
    ID, its modules (a document module as `Document=Name/&H00000000`), its other properties,
    an empty line, the host extenders, an empty line and the workspace, one window record a
    line for a module of the project; no other empty line and nothing after the last line."""
    sections: dict[str, list[str]] = {"": [], **{name: [] for name in _PROJECT_SECTIONS}}
    current = ""
    for line in raw.decode(PROJECT_CODEC).splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            if line.strip() not in sections:
                raise RuntimeError(f"the VBA project has a PROJECT section {line!r}")
            current = line.strip()
            continue
        sections[current].append(line)
    is_document = {name.casefold() for name in documents}
    ident, items, properties = [], [], []
    for line in sections[""]:
        key, _, value = line.partition("=")
        if key in ("Module", "Class") and value.casefold() in is_document:
            line = f"Document={value}/&H00000000"
        (ident if key == "ID" else items if key in _PROJECT_ITEMS else properties).append(line)
    declared = {
        line.partition("=")[2].split("/")[0].casefold()
        for line in items
        if not line.startswith("Package=")
    }
    windows = [w for w in sections["[Workspace]"] if w.partition("=")[0].casefold() in declared]
    lines = [*ident, *items, *properties, ""]
    lines += ["[Host Extender Info]", *sections["[Host Extender Info]"], ""]
    lines += ["[Workspace]", *windows]
    return ("\r\n".join(lines) + "\r\n").encode(PROJECT_CODEC)


def _with_ribbon(package: bytes, ribbon: bytes, documents: Mapping[str, str]) -> bytes:
    """The package with the customUI14 part, its relationship and content type added (any
    earlier ribbon replaced), the template's settings sheet renamed for salesplan, and the
    VBA project as Excel is to compile it."""
    ElementTree.fromstring(ribbon)  # well-formed, or nothing is written
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src:
        rels = ElementTree.fromstring(src.read("_rels/.rels"))
        old_ribbons = {
            r.get("Target", "").lstrip("/")
            for r in rels
            if r.get("Type") in (RIBBON_REL, OFFICE2007_RIBBON_REL)
        }
        replaced = {
            "_rels/.rels": _rels_with(src.read("_rels/.rels"), RIBBON_REL, RIBBON_PART),
            "[Content_Types].xml": _types_with(src.read("[Content_Types].xml"), RIBBON_PART),
            "xl/workbook.xml": _renamed_conf_sheet(src.read("xl/workbook.xml")),
            "xl/vbaProject.bin": compiled_from_source(src.read("xl/vbaProject.bin"), documents),
            "docProps/core.xml": _core_properties(src.read("docProps/core.xml")),
        }
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename in old_ribbons or info.filename == RIBBON_PART:
                    continue
                data = replaced.get(info.filename) or src.read(info.filename)
                dst.writestr(_entry(info.filename, info.compress_type), data)
            dst.writestr(_entry(RIBBON_PART, zipfile.ZIP_DEFLATED), ribbon)
    return out.getvalue()


def _core_properties(data: bytes) -> bytes:
    """The template's core properties without the <cp:contentType/> that ECMA-376 Part 2's
    later editions dropped (the OPC schema no longer allows it; the template has it empty)."""
    return re.sub(
        rb"<(\w+:)?contentType(?:\s[^>]*)?(?:/>|>[^<]*</\1contentType>)", b"", data, count=1
    )


def _entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _FIXED_TIME)  # a fixed date: the same input, the same bytes
    info.compress_type = compress_type
    return info


def _rels_with(data: bytes, rel_type: str, target: str) -> bytes:
    root = ElementTree.fromstring(data)
    rels = [
        dict(r.attrib) for r in root if r.get("Type") not in (RIBBON_REL, OFFICE2007_RIBBON_REL)
    ]
    ids = {r["Id"] for r in rels}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rels.append({"Id": f"rId{n}", "Type": rel_type, "Target": target})
    body = "".join(
        "<Relationship " + " ".join(f'{k}="{_attr(v)}"' for k, v in r.items()) + "/>" for r in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_RELS_NS}">{body}</Relationships>'
    ).encode()


def _types_with(data: bytes, part: str) -> bytes:
    """Content types that give `part` application/xml (customUI has no type of its own)."""
    root = ElementTree.fromstring(data)
    entries = []
    has_xml_default = False
    for e in root:
        tag = e.tag.rsplit("}", 1)[-1]
        if tag == "Override" and e.get("PartName", "").lstrip("/").startswith("customUI/"):
            continue
        has_xml_default |= tag == "Default" and e.get("Extension", "").lower() == "xml"
        entries.append((tag, dict(e.attrib)))
    if not has_xml_default:
        entries.append(("Override", {"PartName": "/" + part, "ContentType": "application/xml"}))
    body = "".join(
        f"<{tag} " + " ".join(f'{k}="{_attr(v)}"' for k, v in attrs.items()) + "/>"
        for tag, attrs in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Types xmlns="{_TYPES_NS}">{body}</Types>'
    ).encode()


def _renamed_conf_sheet(data: bytes) -> bytes:
    old, new = (f'name="{n}"'.encode() for n in _ADDIN_CONF_SHEET)
    return data.replace(old, new, 1)


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
