"""The generated Excel files read back as Excel would find them (issue 6, acceptance 3).

salesplan.xlam and a macro-enabled plan: oletools' olevba reads their VBA; every ribbon
onAction and every Control-sheet button names a Sub that exists; each Sub runs RunPython on
an importable module and function; the xlwings_udfs module declares the SPEC §9 functions
with their arguments. The .xlsm opens in LibreOffice; the .xlam, which LibreOffice cannot
load, is checked part by part. What only Excel can show (the ribbon drawn, a button
pressed, Python started) is not proven here.

Until xl_addin/excel/udfs.py and xl_addin/excel/buttons.py exist, a stand-in module of SPEC §9
functions is used, and the buttons' entry points are checked against SPEC §10's names;
once they exist, the real modules are imported and used.

`python -m tests.excel.test_vba_projects` renders the Control sheet for the README
(docs/excel-control-sheet.png).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
import xlwings
from defusedxml import ElementTree
from pyopenvba import ExcelFile
from pyopenvba.cfb import CFB
from pyopenvba.vba import compress

from tests.excel import vba_check
from tests.libreoffice import convert, opens_cleanly
from xl_addin.cli import run_decompose
from xl_addin.excel import cli as excel_cli
from xl_addin.excel import macro_workbook, vba_projects
from xl_addin.excel.doctor import doctor, report
from xl_addin.excel.install import install, startup_folder
from xl_addin.excel.macro_workbook import write_macro_plan
from xl_addin.excel.sources import BUTTONS, LOCALES, labels, salesplan_module
from xl_addin.excel.udf_wrappers import UdfModuleError, udf_wrappers
from xl_addin.messages import text
from xl_addin.workbook.init import write_plan

with warnings.catch_warnings():  # oletools still calls pyparsing by its deprecated names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

# SPEC §9: name -> arguments, (name, optional). Extra arguments may follow, optional only.
SPEC_FUNCTIONS = {
    "CAPACITY_TARGET": [
        ("team_target", False),
        ("headcount", False),
        ("capability", False),
        ("resource", False),
    ],
    "TEAM_TARGET": [("baseline", False), ("growth", False), ("buffer", False)],
    "TIER_COMMISSION": [
        ("sales", False),
        ("floor", False),
        ("target", False),
        ("challenge", False),
        ("rates", False),
        ("mode", True),
    ],
    "ALERT_STATUS": [
        ("to_date", False),
        ("floor", False),
        ("target", False),
        ("week", False),
        ("rhythm", True),
    ],
    "PACE_PLAN": [("target", False), ("week", False), ("rhythm", True)],
    "FUNNEL_NEED": [("remaining", False), ("deal_size", False), ("conversions", False)],
    "ALLOCATE": [("total", False), ("weights", False), ("round_to", True), ("held", True)],
}
# SPEC §10 and issue 6: the entry points of xl_addin.excel.buttons (and Collect, SPEC §16;
# Scenarios, SPEC §17).
SPEC_BUTTONS = {
    "decompose", "track", "issue_workbooks", "send", "recalibrate", "collect", "scenarios",
}  # fmt: skip
RIBBON_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# customUI14 attributes salesplan uses, per element (a misspelt one silently drops the ribbon).
RIBBON_ATTRIBUTES = {
    "customUI": set(),
    "ribbon": set(),
    "tabs": set(),
    "tab": {"id", "label"},
    "group": {"id", "label"},
    "button": {"id", "size", "imageMso", "label", "screentip", "supertip", "onAction"},
}
VBA_PROJECT_TYPE = "application/vnd.ms-office.vbaProject"
ADDIN_MAIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_MAIN_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RUNPYTHON = re.compile(r'RunPython\s+"import\s+([\w.]+)\s*;\s*([\w.]+)\.(\w+)\(\)"')
SUB = re.compile(
    r"^(?:Public\s+|Private\s+)?Sub\s+(\w+)\s*\(([^)]*)\)(.*?)^End\s+Sub",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
FUNCTION = re.compile(r"^Function\s+(\w+)\s*\(([^)]*)\)", re.MULTILINE)

STAND_IN = '''"""Stand-in for xl_addin/excel/udfs.py: the SPEC §9 signatures, declared as udfs.py does."""
import xlwings as xw


@xw.func
def CAPACITY_TARGET(team_target, headcount, capability, resource):
    """A rep's target from capacity."""


@xw.func
def TEAM_TARGET(baseline, growth, buffer):
    """The team target."""


@xw.func
def TIER_COMMISSION(sales, floor, target, challenge, rates, mode=None):
    """Commission by tier."""


@xw.func
def ALERT_STATUS(to_date, floor, target, week, rhythm=None):
    """RED, AMBER or GREEN."""


@xw.func
def PACE_PLAN(target, week, rhythm=None):
    """The target planned to date."""


@xw.func
def FUNNEL_NEED(remaining, deal_size, conversions):
    """Funnel activity needed."""


@xw.func
@xw.arg("weights", ndim=2)
def ALLOCATE(total, weights, round_to=None, held=None):
    """Parts that add up exactly."""
'''


# --- fixtures: the files, built once ---------------------------------------------------------


@pytest.fixture(scope="module")
def udf_module(tmp_path_factory):
    """xl_addin.excel.udfs when it exists, else a stand-in module with the SPEC §9 signatures."""
    if importlib.util.find_spec("xl_addin.excel.udfs") is not None:
        yield "xl_addin.excel.udfs"
        return
    folder = tmp_path_factory.mktemp("udfs")
    (folder / "salesplan_udfs_stand_in.py").write_text(STAND_IN, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(vba_projects, "UDF_MODULE", "salesplan_udfs_stand_in")
            yield "salesplan_udfs_stand_in"
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def built(udf_module, tmp_path_factory):
    """{"xlam"|"xlsm": path} in English, and the Chinese add-in as "xlam-zh"."""
    folder = tmp_path_factory.mktemp("excel")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vba_projects, "UDF_MODULE", udf_module)
        files = {
            "xlam": vba_projects.build_addin(folder / "en" / "salesplan.xlam", "en"),
            "xlam-zh": vba_projects.build_addin(folder / "zh" / "salesplan.xlam", "zh-CN"),
            "xlsm": write_macro_plan(folder / "plan.xlsm", locale="en"),
        }
    return files


def vba_modules(path: Path) -> dict[str, str]:
    """{module name: source} as olevba reads them."""
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros(), f"olevba finds no VBA in {path.name}"
        return {
            Path(vba_filename).stem: code.replace("\r\n", "\n")
            for _, _, vba_filename, code in parser.extract_macros()
        }
    finally:
        parser.close()


def subs(modules: dict[str, str]) -> dict[str, tuple[str, str]]:
    """{Sub name: (parameters, body)} over all modules."""
    found = {}
    for source in modules.values():
        for name, params, body in SUB.findall(source):
            assert name not in found, f"Sub {name} is declared twice"
            found[name] = (params.strip(), body)
    return found


def entry_point(all_subs: dict[str, tuple[str, str]], name: str) -> tuple[str, str] | None:
    """(module, function) a Sub runs through RunPython, following calls to other Subs."""
    seen = set()
    while name not in seen:
        seen.add(name)
        _, body = all_subs[name]
        m = RUNPYTHON.search(body)
        if m:
            module, called_module, function = m.groups()
            assert called_module == module, f"{name} imports {module} but calls {called_module}"
            return module, function
        called = [s for s in all_subs if re.search(rf"^\s*{s}\s*$", body, re.MULTILINE)]
        if len(called) != 1:
            return None
        name = called[0]
    return None


def assert_importable(module: str, function: str) -> None:
    if importlib.util.find_spec(module) is not None:
        imported = importlib.import_module(module)
        assert callable(getattr(imported, function, None)), f"{module} has no {function}()"
    else:  # xl_addin/excel/buttons.py not written yet: SPEC §10's names
        assert module == "xl_addin.excel.buttons", f"{module} does not exist"
        assert function in SPEC_BUTTONS, f"{function} is not a button of SPEC §10"


def ribbon_actions(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read(vba_projects.RIBBON_PART))
    return [e.get("onAction") for e in root.iter() if e.get("onAction")]


def button_macros(path: Path) -> list[tuple[str, str]]:
    """(caption, macro) of every form button on the Control sheet."""
    with zipfile.ZipFile(path) as z:
        sheet = _sheet_part(z, macro_workbook.CONTROL_SHEET)
        rels = _rels(z, sheet)
        vml = [t for t, kind in rels.values() if kind.endswith("/vmlDrawing")]
        assert len(vml) == 1, f"the Control sheet has {len(vml)} VML drawings"
        root = ElementTree.fromstring(z.read(vml[0]))
    found = []
    for shape in root.iter("{urn:schemas-microsoft-com:vml}shape"):
        data = shape.find("{urn:schemas-microsoft-com:office:excel}ClientData")
        if data is None or data.get("ObjectType") != "Button":
            continue
        macro = data.findtext("{urn:schemas-microsoft-com:office:excel}FmlaMacro")
        caption = "".join(shape.find("{urn:schemas-microsoft-com:vml}textbox").itertext())
        found.append((caption.strip(), macro.split("!")[-1]))
    return found


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = _rels(z, "xl/workbook.xml")
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for sheet in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        if sheet.get("name") == name:
            return rels[sheet.get(ns)][0]
    raise AssertionError(f"no sheet {name}")


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{Id: (target part, type)} of a part's relationships."""
    folder, _, file = part.rpartition("/")
    rels_name = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
    root = ElementTree.fromstring(z.read(rels_name))
    out = {}
    for r in root:
        target = r.get("Target")
        if r.get("TargetMode") != "External":
            target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
        out[r.get("Id")] = (target, r.get("Type"))
    return out


def _join(folder: str, target: str) -> str:
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            out.pop()
        elif p not in ("", "."):
            out.append(p)
    return "/".join(out)


def content_type(z: zipfile.ZipFile, part: str) -> str | None:
    root = ElementTree.fromstring(z.read("[Content_Types].xml"))
    default = None
    for e in root:
        tag = e.tag.rsplit("}", 1)[-1]
        if tag == "Override" and e.get("PartName").lstrip("/") == part:
            return e.get("ContentType")
        if tag == "Default" and part.lower().endswith("." + e.get("Extension").lower()):
            default = e.get("ContentType")
    return default


def _same_lines(a: str, b: str) -> bool:
    def lines(text: str) -> list[str]:
        return [x.rstrip() for x in text.replace("\r\n", "\n").strip().split("\n")]

    return lines(a) == lines(b)


# --- macros: ribbon, buttons, RunPython --------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlam", "xlam-zh"])
def test_every_ribbon_action_names_a_ribbon_callback_sub_of_the_addin(built, kind):
    all_subs = subs(vba_modules(built[kind]))
    actions = ribbon_actions(built[kind])
    assert len(actions) == len(BUTTONS) == 8
    for action in actions:
        assert action in all_subs, f"ribbon onAction {action} names no Sub"
        params = all_subs[action][0]
        assert re.fullmatch(r"(ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl", params), (
            f"{action}({params}): a ribbon callback takes (control As IRibbonControl)"
        )


def test_every_control_sheet_button_runs_a_sub_of_the_workbook(built):
    all_subs = subs(vba_modules(built["xlsm"]))
    buttons = button_macros(built["xlsm"])
    text = labels("en")
    assert buttons == [(text[key], sub) for key, sub, _ in BUTTONS]
    for caption, macro in buttons:
        assert macro in all_subs, f"button {caption!r} runs {macro}, which is no Sub"
        assert all_subs[macro][0] == "", f"{macro} takes arguments; a button passes none"


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_each_button_runs_an_entry_point_that_imports(built, kind):
    """Ribbon callbacks and Control-sheet macros reach RunPython on a real module and
    function (Help answers in VBA, so it works when Python does not start)."""
    all_subs = subs(vba_modules(built[kind]))
    starts = (
        ribbon_actions(built[kind])
        if kind == "xlam"
        else [m for _, m in button_macros(built[kind])]
    )
    reached = {}
    for start in starts:
        target = entry_point(all_subs, start)
        if target is None:
            assert "Help" in start, f"{start} runs no Python"
            assert "MsgBox" in all_subs["SalesplanHelp"][1]
            continue
        reached[start] = target
        assert_importable(*target)
    assert {f for _, f in reached.values()} == SPEC_BUTTONS
    assert {m for m, _ in reached.values()} == {"xl_addin.excel.buttons"}


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_udf_wrapper_module_declares_each_spec_function_with_its_arguments(built, kind, udf_module):
    modules = vba_modules(built[kind])
    wrappers = modules["xlwings_udfs"]
    declared = {name.upper(): params for name, params in FUNCTION.findall(wrappers)}
    for name, spec_args in SPEC_FUNCTIONS.items():
        assert name in declared, f"{name} is not registered in {built[kind].name}"
        args = [a.strip() for a in declared[name].split(",") if a.strip()]
        got = [(a.split()[-1], a.startswith("Optional ")) for a in args]
        assert [(n.lower(), o) for n, o in got[: len(spec_args)]] == spec_args, name
        assert all(optional for _, optional in got[len(spec_args) :]), (
            f"{name}: arguments beyond SPEC §9 must be optional: {got}"
        )
    book = "ActiveWorkbook" if kind == "xlam" else "ThisWorkbook"
    calls = re.findall(
        r'XLPy\.CallUDF\("([\w.]+)", "(\w+)", .*?, (\w+), Application\.Caller\)', wrappers
    )
    assert {(m, b) for m, _, b in calls} == {(udf_module, book)}
    assert {f.upper() for _, f, _ in calls} >= set(SPEC_FUNCTIONS)


# --- versions ----------------------------------------------------------------------------------


def test_embedded_xlwings_vba_is_the_installed_release(built):
    xlsm = vba_modules(built["xlsm"])
    xlam = vba_modules(built["xlam"])
    installed = vba_projects.WORKBOOK_XLWINGS_BAS.read_text(encoding="utf-8")
    assert _same_lines(xlsm["xlwings"], installed)
    addin = vba_projects.ADDIN_XLWINGS_BAS.read_text(encoding="utf-8")
    expected = addin.replace(
        'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"'
    )
    assert _same_lines(xlam["xlwings"], expected)
    for path in (built["xlsm"], built["xlam"]):
        vba = vba_projects.read_file_vba(path)
        assert vba.xlwings_version == vba.built_with == xlwings.__version__


def test_doctor_compares_the_files_xlwings_vba_with_the_installed_xlwings(built, tmp_path, capsys):
    older = tmp_path / "older.xlsm"
    shutil.copyfile(built["xlsm"], older)
    with ExcelFile(older) as book:
        source = book.get_module("xlwings")
        book.set_module("xlwings", source.replace(f'"{xlwings.__version__}"', '"0.30.0"'))
        book.save()
    ok = doctor(built["xlsm"], platform="linux")
    assert [c.ok for c in ok if text(c.name, "en").startswith("VBA in")] == [True]
    stale = doctor(older, platform="linux")
    (check,) = [c for c in stale if text(c.name, "en").startswith("VBA in")]
    assert not check.ok
    detail = text(check.detail, "en")
    assert f"xlwings VBA is 0.30.0, Python has xlwings {xlwings.__version__}" in detail
    assert "pip install xlwings==0.30.0" in text(check.fix, "en")
    assert report(stale, "en") == 1
    printed = capsys.readouterr().out
    assert "FAIL  VBA in older.xlsm" in printed
    assert "FAIL  Excel: Excel is not available on Linux" in printed
    assert printed.count("fix: ") >= 2


def test_doctor_on_a_plain_workbook_relies_on_the_addin(tmp_path):
    plan = write_plan(tmp_path / "plan.xlsx", locale="en")
    checks = {text(c.name, "en"): c for c in doctor(plan, platform="linux")}
    assert checks["macros of plan.xlsx"].ok
    assert not checks["Excel"].ok


def test_nothing_needs_xlwings_pro_or_a_licence_key():
    """Issue 6 item 4: only xlwings' BSD core (never xlwings/pro) goes into the files."""
    for source in (
        vba_projects.ADDIN_TEMPLATE,
        vba_projects.WORKBOOK_TEMPLATE,
        vba_projects.ADDIN_XLWINGS_BAS,
        vba_projects.WORKBOOK_XLWINGS_BAS,
    ):
        assert "pro" not in source.relative_to(vba_projects.XLWINGS_DIR).parts
    ours = Path(vba_projects.__file__).parent
    for path in ours.glob("*.py"):  # every module of the excel wing
        text = path.read_text(encoding="utf-8")
        assert "xlwings.pro" not in text and "LICENSE_KEY" not in text, path.name


# --- the .xlam, part by part -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlam", "xlam-zh"])
def test_addin_package_has_ribbon_part_relationship_and_content_types(built, kind):
    with zipfile.ZipFile(built[kind]) as z:
        names = set(z.namelist())
        assert z.testzip() is None
        assert content_type(z, "xl/workbook.xml") == ADDIN_MAIN_TYPE
        assert content_type(z, "xl/vbaProject.bin") == VBA_PROJECT_TYPE
        assert content_type(z, vba_projects.RIBBON_PART) == "application/xml"
        targets = [t for t, _ in _root_rels(z)] + [
            t for t, _ in _rels(z, "xl/workbook.xml").values()
        ]
        assert set(targets) <= names, f"relationships to missing parts: {set(targets) - names}"
        ribbons = [t for t, kind_ in _root_rels(z) if kind_ == RIBBON_REL]
        assert ribbons == [vba_projects.RIBBON_PART]
        vba = [t for t, k in _rels(z, "xl/workbook.xml").values() if k.endswith("/vbaProject")]
        assert vba == ["xl/vbaProject.bin"]
        data = z.read("xl/vbaProject.bin")
        ribbon = ElementTree.fromstring(z.read(vba_projects.RIBBON_PART))
    assert olefile.isOleFile(io.BytesIO(data))
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ole.exists("VBA/dir") and ole.exists("PROJECT")
    assert ribbon.tag == f"{RIBBON_NS}customUI"
    ids = [e.get("id") for e in ribbon.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for e in ribbon.iter():
        tag = e.tag.removeprefix(RIBBON_NS)
        assert tag in RIBBON_ATTRIBUTES, f"unexpected ribbon element {tag}"
        assert set(e.attrib) <= RIBBON_ATTRIBUTES[tag], f"{tag}: {set(e.attrib)}"
    (tab,) = ribbon.iter(f"{RIBBON_NS}tab")
    assert tab.get("label") == "salesplan"


def _root_rels(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    root = ElementTree.fromstring(z.read("_rels/.rels"))
    return [(r.get("Target").lstrip("/"), r.get("Type")) for r in root]


def test_ribbon_labels_come_from_the_locale(built):
    labels_of = {}
    for kind in ("xlam", "xlam-zh"):
        with zipfile.ZipFile(built[kind]) as z:
            root = ElementTree.fromstring(z.read(vba_projects.RIBBON_PART))
        labels_of[kind] = [e.get("label") for e in root.iter(f"{RIBBON_NS}button")]
    assert labels_of["xlam"] == [
        "Decompose",
        "Track",
        "Recalibrate",
        "Scenarios",
        "Issue workbooks",
        "Send",
        "Collect",
        "Help",
    ]
    assert labels_of["xlam-zh"] == [
        "分解", "跟踪", "调整目标", "方案比较", "生成责任书", "发送", "收回", "帮助"
    ]  # fmt: skip


def test_every_label_exists_in_every_locale():
    keys = [set(labels(locale)) for locale in LOCALES]
    assert keys[0] == keys[1]
    for key, _, _ in BUTTONS:
        assert {key, f"{key}_tip"} <= keys[0]


def test_help_text_survives_any_vba_code_page():
    """The Chinese help is ASCII in the VBA (ChrW codes) and reads back as written."""
    for locale in LOCALES:
        source = salesplan_module(locale)
        assert source.isascii()
        body = source.split("Private Function SalesplanHelpText() As String", 1)[1]
        text = ""
        for line in re.findall(r"^\s*s = s & (.*)$", body, re.MULTILINE):
            for piece in re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)|(vbLf)', line):
                literal, code, lf = piece
                text += "\n" if lf else chr(int(code)) if code else literal.replace('""', '"')
        expected = labels(locale)["help_text"].strip("\n")
        assert text == f"{expected}\n\n(xlwings VBA {xlwings.__version__})"
        assert len(text) < 1024, "MsgBox shows at most 1,024 characters"


# --- the .xlsm ---------------------------------------------------------------------------------


def test_macro_enabled_plan_opens_in_libreoffice(built):
    opens_cleanly(built["xlsm"])


def test_macro_enabled_plan_has_control_sheet_first_and_xlwings_settings(built, udf_module):
    with zipfile.ZipFile(built["xlsm"]) as z:
        assert content_type(z, "xl/workbook.xml") == XLSM_MAIN_TYPE
        assert content_type(z, "xl/vbaProject.bin") == VBA_PROJECT_TYPE
    wb = openpyxl.load_workbook(built["xlsm"], keep_vba=True)
    assert wb.sheetnames[0] == macro_workbook.CONTROL_SHEET
    assert wb.sheetnames[-1] == macro_workbook.CONFIG_SHEET
    rows = [
        list(r)
        for r in wb[macro_workbook.CONFIG_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
    ]
    settings = macro_workbook.config_from_rows(rows)
    assert settings["UDF MODULES"] == udf_module
    assert all(settings.values()), "a blank setting would hide the user's xlwings.conf"


def test_xlwings_settings_name_the_interpreter_of_the_platform(monkeypatch):
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    rows = dict(macro_workbook.config_rows("win32", r"C:\Python311\python.exe"))
    assert rows["Interpreter_Win"] == r"C:\Python311\python.exe"
    rows = dict(macro_workbook.config_rows("darwin", "/opt/py/bin/python3"))
    assert rows["Interpreter_Mac"] == "/opt/py/bin/python3"
    assert set(dict(macro_workbook.config_rows("linux", "/usr/bin/python3"))) == {"UDF Modules"}
    monkeypatch.setenv("CONDA_DEFAULT_ENV", "sales")
    monkeypatch.setenv("CONDA_EXE", r"C:\conda\Scripts\conda.exe".replace("\\", "/"))
    rows = dict(macro_workbook.config_rows("win32", r"C:\conda\envs\sales\python.exe"))
    assert rows["Conda Env"] == "sales" and "Interpreter_Win" not in rows


def test_decompose_keeps_the_macros_and_buttons_of_a_macro_enabled_plan(udf_module, tmp_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vba_projects, "UDF_MODULE", udf_module)
        plan = write_macro_plan(tmp_path / "plan.xlsm", example=True, locale="zh-CN")
    before = vba_modules(plan)
    assert run_decompose(plan, io.StringIO()) == 0
    assert vba_modules(plan) == before
    assert vba_check.problems(plan.read_bytes()) == []
    assert [m for _, m in button_macros(plan)] == [sub for _, sub, _ in BUTTONS]
    with zipfile.ZipFile(plan) as z:
        assert content_type(z, "xl/workbook.xml") == XLSM_MAIN_TYPE


# --- a VBA project Excel compiles (issue 16) ---------------------------------------------------


@pytest.fixture(scope="module")
def sources(udf_module):
    """expected_sources of each built file, read once."""
    return {kind: expected_sources(kind, udf_module) for kind in ("xlam", "xlam-zh", "xlsm")}


def expected_sources(kind: str, udf_module: str) -> dict[str, str]:
    """{module: source} of the modules salesplan puts into each file (document modules apart):
    templates/excel's Salesplan module, the installed xlwings' own module, xlwings' Import
    Functions text for the worksheet functions, and the Dictionary class of xlwings' template."""
    locale = "zh-CN" if kind.endswith("-zh") else "en"
    addin = kind.startswith("xlam")
    xlwings_bas = vba_projects.ADDIN_XLWINGS_BAS if addin else vba_projects.WORKBOOK_XLWINGS_BAS
    xlwings_source = xlwings_bas.read_text(encoding="utf-8")
    if addin:  # the add-in's settings are named after xlwings (vba_projects.PROJECT_NAME)
        xlwings_source = xlwings_source.replace(
            'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"'
        )
    template = vba_projects.ADDIN_TEMPLATE if addin else vba_projects.WORKBOOK_TEMPLATE
    host = vba_projects.ADDIN_NAME if addin else "plan.xlsm"
    sources = {
        "xlwings": xlwings_source,
        "Dictionary": vba_modules(template)["Dictionary"],
        "Salesplan": salesplan_module(locale),
        "xlwings_udfs": udf_wrappers(udf_module, host).source,
    }
    return {name: _crlf(source) for name, source in sources.items()}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@pytest.mark.parametrize("kind", ["xlam", "xlam-zh", "xlsm"])
def test_vba_project_is_one_excel_compiles_from_source(built, sources, kind):
    """Module streams, dir, PROJECT and PROJECTwm agree; no compiled cache; a document module
    for every code name; the sources are salesplan's."""
    assert vba_check.problems(built[kind].read_bytes(), sources[kind]) == []
    with zipfile.ZipFile(built[kind]) as z:
        names = [name for _, name, _ in vba_check.code_names(z)]
        sheets = len(ElementTree.fromstring(z.read("xl/workbook.xml")).find(f"{MAIN_NS}sheets"))
    # what Excel writes: the workbook and every sheet have a code name (so a document module)
    assert len(names) == len(set(names)) == 1 + sheets
    assert names[0] == "ThisWorkbook"


def test_project_stream_is_the_grammar_with_no_empty_line_in_the_workspace(built):
    with zipfile.ZipFile(built["xlsm"]) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read(vba_check.VBA_PART)))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    properties, _, rest = text.partition("\r\n\r\n[Host Extender Info]\r\n")
    extenders, _, workspace = rest.partition("\r\n\r\n[Workspace]\r\n")
    assert properties.startswith('ID="{') and "\r\n\r\n" not in properties
    assert extenders.startswith("&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;")
    assert workspace.endswith(", C\r\n") and "\r\n\r\n" not in workspace
    assert "Document=Sheet18/&H00000000\r\n" in properties  # 18 sheets in a new plan
    assert vba_check.grammar_problems(text) == []


# Each fault a VBA project can have, made in a copy of the .xlsm, and what the check says.


def _edit_vba(package: bytes, edit) -> bytes:
    """The package with its vbaProject.bin edited by `edit(cfb)`."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        cfb = CFB.from_bytes(z.read(vba_check.VBA_PART))
    edit(cfb)
    return _with_part(package, vba_check.VBA_PART, lambda _: cfb.to_bytes())


def _with_part(package: bytes, part: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, edit(data) if info.filename == part else data)
    return out.getvalue()


def _edit_project_text(package: bytes, edit) -> bytes:
    def project(cfb):
        cfb.write_stream("PROJECT", edit(cfb.get_stream("PROJECT").decode()).encode())

    return _edit_vba(package, project)


def _set_module_offset(cfb, module: str, offset: int) -> None:
    """MODULEOFFSET of `module` in the dir stream set to `offset`."""
    data = bytearray(decompress_stream(bytearray(cfb.get_stream_in_storage("VBA", "dir"))))
    name = module.encode()
    record = data.index(struct.pack("<HI", vba_check.MODULENAME, len(name)) + name)
    at = data.index(struct.pack("<HI", vba_check.MODULEOFFSET, 4), record) + 6
    data[at : at + 4] = struct.pack("<I", offset)
    cfb.write_stream_in_storage("VBA", "dir", compress(bytes(data)))


def _module_cache(cfb) -> None:
    """Sheet1's stream as a template keeps it: a compiled cache, then the source."""
    stream = cfb.get_stream_in_storage("VBA", "Sheet1")
    cfb.write_stream_in_storage("VBA", "Sheet1", bytes(range(1, 101)) + stream)
    _set_module_offset(cfb, "Sheet1", 100)


def _other_source(cfb) -> None:
    source = 'Attribute VB_Name = "Salesplan"\r\nSub Other()\r\nEnd Sub\r\n'
    cfb.write_stream_in_storage("VBA", "Salesplan", compress(source.encode()))


def _sheet_code_name(package: bytes) -> bytes:
    return _with_part(
        package,
        "xl/worksheets/sheet3.xml",
        lambda data: data.replace(b'codeName="Sheet3"', b'codeName="Sheet99"'),
    )


def _document_with_code(cfb) -> None:
    source = vba_check.document_source("Sheet3", "worksheet") + "Sub Changed()\r\nEnd Sub\r\n"
    cfb.write_stream_in_storage("VBA", "Sheet3", compress(source.encode()))


def _projectwm_without_sheet18(cfb) -> None:
    data = cfb.get_stream("PROJECTwm")
    entry = b"Sheet18\x00" + "Sheet18".encode("utf-16-le") + b"\x00\x00"
    cfb.write_stream("PROJECTwm", data.replace(entry, b""))


def _dir_count(cfb) -> None:
    data = bytearray(decompress_stream(bytearray(cfb.get_stream_in_storage("VBA", "dir"))))
    at = data.index(struct.pack("<HI", vba_check.PROJECTMODULES, 2)) + 6
    data[at : at + 2] = struct.pack("<H", 30)
    cfb.write_stream_in_storage("VBA", "dir", compress(bytes(data)))


FAULTS = {
    "a module's stream missing": (
        lambda p: _edit_vba(p, lambda cfb: cfb.remove_stream_in_storage("VBA", "Salesplan")),
        "dir: module Salesplan has no stream VBA/Salesplan",
    ),
    "MODULEOFFSET not at the source": (
        lambda p: _edit_vba(p, lambda cfb: _set_module_offset(cfb, "Salesplan", 3)),
        "dir: module Salesplan: MODULEOFFSET 3 points at no compressed source",
    ),
    "a module's compiled cache kept": (
        lambda p: _edit_vba(p, _module_cache),
        "dir: module Sheet1: MODULEOFFSET 100, not 0: its stream keeps a compiled",
    ),
    "another source": (
        lambda p: _edit_vba(p, _other_source),
        "module Salesplan: the source is not the one salesplan writes",
    ),
    "PROJECT declares a module the dir has not": (
        lambda p: _edit_project_text(p, lambda t: t.replace("Module=xlwings\r\n", "Module=xlwings\r\nModule=Ghost\r\n")),
        "PROJECT: Module=Ghost is no module of the dir stream",
    ),
    "PROJECT declares a module of another kind": (
        lambda p: _edit_project_text(p, lambda t: t.replace("Module=Salesplan", "Class=Salesplan")),
        "PROJECT: Class=Salesplan, but the dir stream's MODULETYPE is 0x0021",
    ),
    "PROJECT leaves a module out": (
        lambda p: _edit_project_text(p, lambda t: t.replace("Module=xlwings_udfs\r\n", "")),
        "PROJECT: module xlwings_udfs is not declared",
    ),
    "a sheet's code name without its module": (
        _sheet_code_name,
        "sheet Settings: code name Sheet99 has no document module",
    ),
    "a document module holding code": (
        lambda p: _edit_vba(p, _document_with_code),
        "sheet Settings: document module Sheet3 is not Excel's worksheet module",
    ),
    "an empty line in the workspace": (
        lambda p: _edit_project_text(p, lambda t: t.replace("Dictionary=0, 0, 0, 0, C\r\n", "Dictionary=0, 0, 0, 0, C\r\n\r\n")),
        "an empty line inside [Workspace]",
    ),
    "PROJECT out of its grammar": (
        lambda p: _edit_project_text(p, lambda t: t.replace('HelpContextID="0"\r\n', "")),
        "ProjectHelpId expected, found 'VersionCompatible32=",
    ),
    "a compiled _VBA_PROJECT": (
        lambda p: _edit_vba(p, lambda cfb: cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", b"\xcc\x61\xb5\x00\x00\x00\x00" + bytes(64))),
        "_VBA_PROJECT is cc61b5000000",
    ),
    "an SRP stream": (
        lambda p: _edit_vba(p, lambda cfb: cfb.add_stream_to_storage("VBA", "__SRP_0", bytes(64))),
        "VBA/__SRP_0: an SRP stream",
    ),
    "a stream of no module": (
        lambda p: _edit_vba(p, lambda cfb: cfb.add_stream_to_storage("VBA", "Module1", compress(b'Attribute VB_Name = "Module1"\r\n'))),
        "VBA/Module1: a stream no module of the dir stream names",
    ),
    "PROJECTwm short of a module": (
        lambda p: _edit_vba(p, _projectwm_without_sheet18),
        "PROJECTwm names",
    ),
    "PROJECTMODULES miscounted": (
        lambda p: _edit_vba(p, _dir_count),
        "dir: PROJECTMODULES counts 30 modules, 24 follow",
    ),
}  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS)
def test_the_vba_check_reports_each_fault(built, sources, fault):
    """The check of the check: one fault of each kind in a copy of the .xlsm (which passes,
    test_vba_project_is_one_excel_compiles_from_source), and the check names it."""
    breaks, message = FAULTS[fault]
    found = vba_check.problems(breaks(built["xlsm"].read_bytes()), sources["xlsm"])
    assert any(message in line for line in found), found


# --- commands ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="salesplan")
    excel_cli.add_parsers(p.add_subparsers(dest="command", required=True))
    return p


def test_excel_addin_command_writes_the_addin(udf_module, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(vba_projects, "UDF_MODULE", udf_module)
    args = _parser().parse_args(["excel", "addin", "--out", str(tmp_path), "--locale", "en"])
    assert excel_cli.run(args, "en") == 0
    assert (tmp_path / "salesplan.xlam").is_file()
    assert f"Wrote {tmp_path / 'salesplan.xlam'}" in capsys.readouterr().out


def test_excel_addin_command_fails_clearly_without_the_functions_module(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(vba_projects, "UDF_MODULE", "xl_addin.no_such_udfs")
    args = _parser().parse_args(["excel", "addin", "--out", str(tmp_path)])
    assert excel_cli.run(args, "en") == 1
    err = capsys.readouterr().err
    assert "the module of worksheet functions xl_addin.no_such_udfs does not exist" in err
    assert "fix:" in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UdfModuleError):
        write_macro_plan(tmp_path / "plan.xlsm")
    assert list(tmp_path.iterdir()) == []


def test_install_on_linux_says_excel_is_missing_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / ".xlwings" / "xlwings.conf"))
    args = _parser().parse_args(["excel", "install"])
    assert excel_cli.run(args, "en") == 1  # this suite runs on Linux
    assert "Excel is not available on Linux" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_install_on_windows_puts_the_addin_in_xlstart(udf_module, tmp_path, monkeypatch):
    monkeypatch.setattr(vba_projects, "UDF_MODULE", udf_module)
    config = tmp_path / ".xlwings" / "xlwings.conf"
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(config))
    environ = {"APPDATA": str(tmp_path / "AppData" / "Roaming")}
    out = io.StringIO()
    assert install("zh-CN", platform="win32", environ=environ, home=tmp_path, out=out) == 0
    addin = tmp_path / "AppData/Roaming/Microsoft/Excel/XLSTART/salesplan.xlam"
    assert addin.is_file() and config.is_file()
    found = doctor(None, platform="win32", environ=environ, home=tmp_path)
    checks = {text(c.name, "en"): c for c in found}
    assert checks["add-in"].ok
    assert checks["VBA in salesplan.xlam"].ok
    assert checks["Python"].ok, checks["Python"].detail  # xlwings.conf names this Python


def test_startup_folders():
    assert startup_folder("linux") is None
    mac = startup_folder("darwin", {}, Path("/Users/ann"))
    assert str(mac).endswith("Startup.localized/Excel")
    win = startup_folder("win32", {"APPDATA": "/c/Users/ann/AppData/Roaming"})
    assert win.parts[-3:] == ("Microsoft", "Excel", "XLSTART")


# --- the README's picture ----------------------------------------------------------------------


def render_control_sheet(png: Path, locale: str = "en", dpi: int = 96) -> Path:
    """The Control sheet as LibreOffice draws it (buttons made printable in a copy), as a PNG
    cropped below its last line of text."""
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        raise SystemExit("poppler-utils (pdftoppm, pdftotext) is not installed: cannot render")
    with tempfile.TemporaryDirectory(prefix="salesplan-render-") as tmp:
        plan = write_macro_plan(Path(tmp, "plan.xlsm"), locale=locale)
        printable = Path(tmp, "control.xlsm")
        with zipfile.ZipFile(plan) as src, zipfile.ZipFile(printable, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename.endswith(".vml"):  # XlsxWriter makes buttons non-printing
                    data = data.replace(b"<x:PrintObject>False<", b"<x:PrintObject>True<")
                dst.writestr(info, data, zipfile.ZIP_DEFLATED)
        (pdf,) = convert([printable], "pdf", tmp)
        first = ["-f", "1", "-l", "1"]
        boxes = subprocess.run(
            ["pdftotext", *first, "-bbox", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        bottom = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', boxes))  # points
        height = int((bottom + 36) * dpi / 72)
        page = ["-r", str(dpi), "-png", "-singlefile", "-x", "0", "-y", "0", "-H", str(height)]
        subprocess.run(
            ["pdftoppm", *first, *page, "-W", "100000", str(pdf), str(Path(tmp, "page"))],
            check=True,
        )
        png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp, "page.png"), png)
    return png


if __name__ == "__main__":
    print(
        render_control_sheet(
            Path(__file__).resolve().parents[2] / "docs" / "excel-control-sheet.png"
        )
    )


@pytest.mark.parametrize("far", [False, True])
def test_doctor_reads_the_files_settings_sheet_unless_a_cell_is_too_far_away(tmp_path, far):
    """A stray cell at XFD1048576 of the xlwings.conf sheet: calamine, asked for that sheet,
    would allocate 512 GiB and abort. The sheet is left unread (as an unreadable file is)."""
    import xlsxwriter

    from xl_addin.excel.doctor import excel_settings

    path = tmp_path / "plan.xlsm"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet(macro_workbook.CONFIG_SHEET)
    sheet.write_row(0, 0, ["Interpreter_Win", r"C:\Python311\python.exe"])
    if far:
        sheet.write(1_048_575, 16_383, "note")
    book.close()
    layers = excel_settings(path, home=tmp_path)  # the sheet's, the file's beside, the user's
    assert len(layers) == (2 if far else 3)
    if not far:
        assert layers[0][0] == {"INTERPRETER_WIN": r"C:\Python311\python.exe"}
