"""Whether a macro-enabled package holds a VBA project Excel will compile, read with olefile
and oletools alone (not with pyOpenVBA, which writes the projects).

MS-OVBA is the reference: the dir stream's MODULE records and the module streams agree (each
record has its stream; MODULEOFFSET points at the compressed source, and is 0, since a
module stored with a compiled performance cache before its source is one Excel may trust
instead of the source); the PROJECT stream follows the grammar of 2.3.1 and declares the
modules of the dir stream, each as its kind; PROJECTwm names them; `_VBA_PROJECT` is the
seven version-independent bytes with version 0xFFFF (2.3.4.1) and no `__SRP_*` stream is
left (2.2.6), so Excel compiles the project from source; and every code name of the
workbook (workbookPr, sheetPr) has its document module, as Excel writes it.

`problems(package)` lists what is wrong, one line each; an empty list is a pass.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field

import olefile
from defusedxml import ElementTree

with warnings.catch_warnings():  # oletools still calls pyparsing by its deprecated names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream

VBA_PART = "xl/vbaProject.bin"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

# dir stream record ids (MS-OVBA 2.3.4.2)
PROJECTCODEPAGE, PROJECTMODULES, PROJECTCOOKIE = 0x0003, 0x000F, 0x0013
MODULENAME, MODULENAMEUNICODE, MODULESTREAMNAME = 0x0019, 0x0047, 0x001A
MODULEOFFSET, MODULETYPE_PROCEDURAL, MODULETYPE_OTHER = 0x0031, 0x0021, 0x0022
MODULE_TERMINATOR, DIR_TERMINATOR = 0x002B, 0x0010
PROJECTVERSION = 0x0009  # its Size field is a Reserved 4 and 6 bytes follow

# An Excel document module: its attribute header and nothing else, VB_Base naming the kind.
DOCUMENT_BASES = {
    "workbook": "0{00020819-0000-0000-C000-000000000046}",
    "worksheet": "0{00020820-0000-0000-C000-000000000046}",
    "chartsheet": "0{00020821-0000-0000-C000-000000000046}",
}


def document_source(name: str, kind: str) -> str:
    return (
        f'Attribute VB_Name = "{name}"\r\n'
        f'Attribute VB_Base = "{DOCUMENT_BASES[kind]}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = True\r\n"
    )


# --- the PROJECT stream's grammar (MS-OVBA 2.3.1), one line a production ---------------------

_ID = r"[A-Za-z][A-Za-z0-9_]{0,30}"
_GUID = r"\{[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}"
_HEX32 = r"&H[0-9A-Fa-f]{8}"
_INT32 = r"-?[0-9]{1,10}"
_WINDOW = rf"{_INT32}, {_INT32}, {_INT32}, {_INT32}, C?Z?I?"
_MODULE_LINE = re.compile(rf"(Document)=({_ID})/{_HEX32}|(Module|Class|BaseClass)=({_ID})")
# (what, pattern, least, most): the project's properties, the host extenders and the workspace
PROPERTIES = (
    ("ProjectId", rf'ID="{_GUID}"', 1, 1),
    ("ProjectItem", rf"{_MODULE_LINE.pattern}|Package={_GUID}", 0, None),
    ("ProjectHelpFile", r'HelpFile="[^"]*"', 0, 1),
    ("ProjectExeName32", r'ExeName32="[^"]*"', 0, 1),
    ("ProjectName", rf'Name="{_ID}"', 1, 1),
    ("ProjectHelpId", rf'HelpContextID="{_INT32}"', 1, 1),
    ("ProjectDescription", r'Description="[^"]*"', 0, 1),
    ("ProjectVersionCompat32", r'VersionCompatible32="393222000"', 0, 1),
    ("ProjectProtectionState", r'CMG="[0-9A-F]+"', 1, 1),
    ("ProjectPassword", r'DPB="[0-9A-F]+"', 1, 1),
    ("ProjectVisibilityState", r'GC="[0-9A-F]+"', 1, 1),
    ("the empty line before HostExtenders", r"", 1, 1),
    ("[Host Extender Info]", r"\[Host Extender Info\]", 1, 1),
    ("HostExtenderRef", rf"{_HEX32}={_GUID};[^;]*;{_HEX32}", 0, None),
)
WORKSPACE = (
    ("the empty line before ProjectWorkspace", r"", 1, 1),
    ("[Workspace]", r"\[Workspace\]", 1, 1),
    ("ProjectWindowRecord", rf"{_ID}={_WINDOW}(?:, {_WINDOW})?", 0, None),
)


def grammar_problems(text: str) -> list[str]:
    """Where the PROJECT stream's text leaves MS-OVBA 2.3.1's grammar (NWLN: CRLF here)."""
    if re.search(r"\r(?!\n)|(?<!\r)\n", text):
        return ["PROJECT: a line ends otherwise than with CRLF"]
    if not text.endswith("\r\n"):
        return ["PROJECT: the last line has no CRLF"]
    lines = text[:-2].split("\r\n")
    at = 0
    problems = []

    def match(productions) -> bool:
        nonlocal at
        for what, pattern, least, most in productions:
            count = 0
            while at < len(lines) and (most is None or count < most):
                if not re.fullmatch(pattern, lines[at]):
                    break
                at, count = at + 1, count + 1
            if count < least:
                found = repr(lines[at]) if at < len(lines) else "the end"
                problems.append(f"PROJECT line {at + 1}: {what} expected, found {found}")
                return False
        return True

    if match(PROPERTIES) and at < len(lines):
        in_workspace = "[Workspace]" in lines[at:]
        if match(WORKSPACE) and at < len(lines):
            where = "inside [Workspace]" if in_workspace and not lines[at] else "after the grammar"
            what = "an empty line" if not lines[at] else repr(lines[at])
            problems.append(f"PROJECT line {at + 1}: {what} {where}")
    return problems


# --- the dir stream ---------------------------------------------------------------------------


@dataclass
class ModuleRecord:
    name: str = ""
    name_unicode: str | None = None
    stream: str | None = None
    offset: int | None = None
    type: int | None = None


@dataclass
class Dir:
    code_page: int | None = None
    count: int | None = None
    modules: list[ModuleRecord] = field(default_factory=list)


def read_dir(data: bytes) -> Dir:
    """The records of a decompressed dir stream that tie modules to streams."""
    found = Dir()
    at, module = 0, None
    while at + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, at)
        at += 6
        if rid == PROJECTVERSION:  # Reserved (4 bytes) in place of Size, then 4 + 2 bytes
            at += 6
            continue
        value = data[at : at + size]
        at += size
        if rid == PROJECTCODEPAGE:
            found.code_page = struct.unpack("<H", value)[0]
        elif rid == PROJECTMODULES:
            found.count = struct.unpack("<H", value)[0]
        elif rid == MODULENAME:
            module = ModuleRecord(value.decode(f"cp{found.code_page or 1252}"))
            found.modules.append(module)
        elif module is not None and rid == MODULENAMEUNICODE:
            module.name_unicode = value.decode("utf-16-le")
        elif module is not None and rid == MODULESTREAMNAME:
            module.stream = value.decode(f"cp{found.code_page or 1252}")
        elif module is not None and rid == MODULEOFFSET:
            module.offset = struct.unpack("<I", value)[0]
        elif module is not None and rid in (MODULETYPE_PROCEDURAL, MODULETYPE_OTHER):
            module.type = rid
        elif rid == MODULE_TERMINATOR:
            module = None
        elif rid == DIR_TERMINATOR:
            break
    return found


def read_projectwm(data: bytes, code_page: int) -> list[str]:
    """The module names of PROJECTwm (MS-OVBA 2.3.3): MBCS name NUL, UTF-16 name NUL NUL."""
    names, at = [], 0
    while at < len(data) and data[at] != 0:
        end = data.index(b"\x00", at)
        names.append(data[at:end].decode(f"cp{code_page}"))
        at = end + 1
        while data[at : at + 2] != b"\x00\x00":
            at += 2
        at += 2
    return names


# --- the package ------------------------------------------------------------------------------


def code_names(z: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(where, code name, kind) of the workbook and of each sheet that has a code name."""
    workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r for r in rels.iter(f"{_RELS}Relationship")}
    found = []
    properties = workbook.find(f"{_MAIN}workbookPr")
    if properties is not None and properties.get("codeName"):
        found.append(("the workbook", properties.get("codeName"), "workbook"))
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        rel = targets[sheet.get(_R_ID)]
        target = rel.get("Target")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheet_properties = _first_child(z, part)
        if sheet_properties.tag == f"{_MAIN}sheetPr" and sheet_properties.get("codeName"):
            kind = rel.get("Type").rsplit("/", 1)[-1]
            found.append((f"sheet {sheet.get('name')}", sheet_properties.get("codeName"), kind))
    return found


def _first_child(z: zipfile.ZipFile, part: str):
    """The first element inside a part's root (where a sheet's sheetPr is), read no further."""
    with z.open(part) as stream:
        starts = ElementTree.iterparse(stream, events=("start",))
        next(starts)
        return next(starts)[1]


def problems(package: bytes, expected: Mapping[str, str] | None = None) -> list[str]:
    """What keeps Excel from compiling the package's VBA project as it stands, if anything;
    with `expected` ({module: source}), also each module whose source is another."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        vba = z.read(VBA_PART)
        names = code_names(z)
    ole = olefile.OleFileIO(io.BytesIO(vba))
    try:
        return _problems(ole, names, expected)
    finally:
        ole.close()


def _problems(ole, names, expected) -> list[str]:
    found = []
    streams = {"/".join(e) for e in ole.listdir()}
    vba_streams = {s.split("/", 1)[1] for s in streams if s.startswith("VBA/")}
    # _VBA_PROJECT and SRP streams: nothing compiled that Excel would trust
    head = ole.openstream("VBA/_VBA_PROJECT").read() if "VBA/_VBA_PROJECT" in streams else b""
    if len(head) != 7 or head[:2] != b"\xcc\x61" or head[2:4] != b"\xff\xff" or head[4] != 0:
        found.append(
            f"_VBA_PROJECT is {head[:16].hex()} ({len(head)} bytes), not the version-"
            "independent 7 bytes cc61 ffff 00 ....: a compiled cache Excel may trust"
        )
    found += [f"VBA/{s}: an SRP stream (a compiled cache)" for s in vba_streams if "SRP" in s]
    # dir stream against module streams
    project = read_dir(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    code_page = project.code_page or 1252
    if project.count != len(project.modules):
        found.append(
            f"dir: PROJECTMODULES counts {project.count} modules, {len(project.modules)} follow"
        )
    sources, kinds = {}, {}
    for m in project.modules:
        kinds[m.name.casefold()] = m.type
        if m.name_unicode != m.name:
            found.append(f"dir: module {m.name}: MODULENAMEUNICODE is {m.name_unicode!r}")
        if m.stream is None or m.stream not in vba_streams:
            found.append(f"dir: module {m.name} has no stream VBA/{m.stream}")
            continue
        if m.type is None:
            found.append(f"dir: module {m.name} has no MODULETYPE")
        data = ole.openstream(f"VBA/{m.stream}").read()
        offset = m.offset if m.offset is not None else -1
        if offset != 0:
            found.append(
                f"dir: module {m.name}: MODULEOFFSET {m.offset}, not 0: its stream keeps "
                "a compiled performance cache before the source"
            )
        if not 0 <= offset < len(data) or data[offset] != 0x01:
            found.append(
                f"dir: module {m.name}: MODULEOFFSET {m.offset} points at no compressed "
                f"source in its stream of {len(data)} bytes"
            )
            continue
        try:
            source = bytes(decompress_stream(bytearray(data[offset:]))).decode(f"cp{code_page}")
        except Exception as error:  # oletools raises ValueError or IndexError on bad chunks
            found.append(f"VBA/{m.stream}: the source does not decompress ({error})")
            continue
        sources[m.name] = source
        if not source.startswith(f'Attribute VB_Name = "{m.name}"\r\n'):
            found.append(f"VBA/{m.stream}: the source does not begin with VB_Name {m.name}")
    used = {m.stream for m in project.modules} | {"dir", "_VBA_PROJECT"}
    found += [
        f"VBA/{s}: a stream no module of the dir stream names"
        for s in sorted(vba_streams - used)
        if "SRP" not in s
    ]
    # PROJECT stream: grammar, and the same modules as the dir stream, each of its kind
    text = ole.openstream("PROJECT").read().decode(f"cp{code_page}")
    found += grammar_problems(text)
    declared = {}
    for line in text.split("\r\n"):
        if line.startswith("["):
            break
        m = _MODULE_LINE.fullmatch(line)
        if m:
            kind, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if name.casefold() in declared:
                found.append(f"PROJECT: module {name} is declared twice")
            declared[name.casefold()] = (name, kind)
    for key, (name, kind) in declared.items():
        if key not in kinds:
            found.append(f"PROJECT: {kind}={name} is no module of the dir stream")
        elif (kind == "Module") != (kinds[key] == MODULETYPE_PROCEDURAL):
            found.append(
                f"PROJECT: {kind}={name}, but the dir stream's MODULETYPE is {kinds[key]:#06x}"
            )
    found += [f"PROJECT: module {m.name} is not declared" for m in project.modules
              if m.name.casefold() not in declared]  # fmt: skip
    windows = text.partition("[Workspace]\r\n")[2].split("\r\n")
    for window in filter(None, windows):
        if window.partition("=")[0].casefold() not in declared:
            found.append(f"PROJECT: [Workspace] has a window of no module: {window!r}")
    if "PROJECTwm" in streams:
        wm = read_projectwm(ole.openstream("PROJECTwm").read(), code_page)
        if sorted(wm) != sorted(m.name for m in project.modules):
            found.append(f"PROJECTwm names {wm}, the dir stream other modules")
    # code names: a document module each, as Excel writes it
    for where, name, kind in names:
        declaration = declared.get(name.casefold())
        if declaration is None or declaration[1] != "Document":
            found.append(f"{where}: code name {name} has no document module")
        elif name in sources and sources[name] != document_source(name, kind):
            found.append(f"{where}: document module {name} is not Excel's {kind} module")
    named = {name.casefold() for _, name, _ in names}
    found += [
        f"PROJECT: Document={name} belongs to no sheet and not to the workbook"
        for key, (name, kind) in declared.items()
        if kind == "Document" and key not in named
    ]
    # the sources salesplan put there
    if expected is not None:
        missing = sorted(set(expected) - set(sources))
        extra = sorted(set(sources) - set(expected) - {name for _, name, _ in names})
        found += [f"module {name} is missing" for name in missing]
        found += [f"module {name} is not one salesplan writes" for name in extra]
        found += [
            f"module {name}: the source is not the one salesplan writes"
            for name, source in expected.items()
            if name in sources and sources[name] != source
        ]
    return found
