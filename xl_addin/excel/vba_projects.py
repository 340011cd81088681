"""salesplan.xlam and the VBA project of a macro-enabled plan, built from xlwings' own files.

Both start from a template inside the installed xlwings package (BSD-licensed core, never
xlwings/pro): `quickstart_addin.xlam` for the add-in, `quickstart_standalone.xlsm` for a
plan. Their `xlwings` VBA module is checked against (and if need be replaced by) the
installed release's own .bas, so the VBA, the DLL name it declares and the Python side are
one version. pyOpenVBA edits the VBA projects; the ribbon is an added package part.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlwings
from defusedxml import ElementTree
from pyopenvba import ExcelFile

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
    with tempfile.TemporaryDirectory(prefix="salesplan-addin-") as tmp:
        work, built = Path(tmp, ADDIN_NAME), Path(tmp, "built.xlam")
        shutil.copyfile(ADDIN_TEMPLATE, work)
        with ExcelFile(work) as book:
            _set_xlwings_module(book, addin_xlwings_module())
            _add_salesplan_modules(book, salesplan_module(locale), wrappers.source)
            book.save(built)
        package = _with_ribbon(built.read_bytes(), ribbon_xml(locale))
    atomic.write_bytes(path, package)
    return path


def workbook_vba_project(
    locale: str, workbook_name: str, udf_module: str | None = None
) -> VbaProject:
    """vbaProject.bin for a macro-enabled plan (XlsxWriter's add_vba_project takes it)."""
    wrappers = udf_wrappers(udf_module or UDF_MODULE, workbook_name)
    with tempfile.TemporaryDirectory(prefix="salesplan-vba-") as tmp:
        work, built = Path(tmp, "template.xlsm"), Path(tmp, "built.xlsm")
        shutil.copyfile(WORKBOOK_TEMPLATE, work)
        with ExcelFile(work) as book:
            _set_xlwings_module(book, WORKBOOK_XLWINGS_BAS.read_text(encoding="utf-8"))
            _add_salesplan_modules(book, salesplan_module(locale), wrappers.source)
            book.save(built)
        with zipfile.ZipFile(built) as z:
            data = z.read("xl/vbaProject.bin")
    return VbaProject(data, wrappers.functions)


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


def _same_source(a: str, b: str) -> bool:
    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]

    return lines(a) == lines(b)


def _set_xlwings_module(book: ExcelFile, source: str) -> None:
    """The template's xlwings module, made (or kept) identical to the installed release's."""
    current = book.get_module("xlwings")
    if vba_version(source) != xlwings.__version__:
        raise RuntimeError(
            f"the xlwings VBA shipped with xlwings {xlwings.__version__} says it is "
            f"{vba_version(source)}; reinstall xlwings"
        )
    if not _same_source(current, source):
        book.set_module("xlwings", source.replace("\r\n", "\n").replace("\n", "\r\n"))


def _add_salesplan_modules(book: ExcelFile, salesplan_source: str, wrappers_source: str) -> None:
    project = book.vba_project()
    if SAMPLE_MODULE in book.module_names():
        project.delete_module(SAMPLE_MODULE)
    for name, source in ((VBA_MODULE, salesplan_source), (WRAPPER_MODULE, wrappers_source)):
        check_ascii(name, source)
        project.add_module(name, source)


def _with_ribbon(package: bytes, ribbon: bytes) -> bytes:
    """The package with the customUI14 part, its relationship and content type added (any
    earlier ribbon replaced), and the template's settings sheet renamed for salesplan."""
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
        }
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename in old_ribbons or info.filename == RIBBON_PART:
                    continue
                data = replaced.get(info.filename) or src.read(info.filename)
                dst.writestr(_entry(info.filename, info.compress_type), data)
            dst.writestr(_entry(RIBBON_PART, zipfile.ZIP_DEFLATED), ribbon)
    return out.getvalue()


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
