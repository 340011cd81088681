"""Project rules that a reviewer would otherwise check by hand."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCEL_LIBRARIES = {"xlwings", "openpyxl", "xlsxwriter", "python_calamine", "msoffcrypto"}


def test_engine_imports_no_excel_library():
    offenders = []
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in EXCEL_LIBRARIES]
    assert offenders == []


# The wings of xl_addin/ in the order of the pipeline (xl_addin/__init__.py): a module may
# import its own wing and those below it, never one above. bundled.py and messages.py serve
# every wing and sit just above the engine.
WINGS = {
    "engine": 0,
    "xl_addin.bundled": 1,
    "xl_addin.messages": 1,
    "xl_addin.sheets": 2,
    "xl_addin.workbook": 3,
    "xl_addin.repbook": 4,
    "xl_addin.delivery": 5,
    "xl_addin.commands": 6,
    "xl_addin.recalibration": 6,
    "xl_addin.excel": 7,
    "xl_addin.cli": 8,
    "xl_addin": 8,  # the package itself: only its docstring
}


def wing(module: str) -> str | None:
    """The wing a dotted module name belongs to: its longest prefix in WINGS."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in WINGS:
            return ".".join(parts[:n])
    return None


def imports(path: Path, module: str) -> list[str]:
    """Every salesplan module `path` imports, at any depth (lazy imports inside functions too)."""
    out = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, node.module] if node.module else parent)
            out += [f"{base}.{a.name}" for a in node.names]  # a submodule, or a name in base
    return [m for m in out if m.split(".")[0] in ("engine", "xl_addin")]


def upward_imports() -> list[str]:
    offenders = []
    for folder in ("engine", "xl_addin"):
        for path in (ROOT / folder).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            own = wing(module)
            assert own is not None, f"{path.relative_to(ROOT)} belongs to no wing"
            for imported in imports(path, module):
                other = wing(imported)
                if other is not None and WINGS[other] > WINGS[own]:
                    offenders.append(f"{module} imports {imported} ({own} is below {other})")
    return offenders


def test_no_wing_imports_a_higher_one():
    assert upward_imports() == []


def test_every_module_belongs_to_a_wing():
    top = {p.stem for p in (ROOT / "xl_addin").glob("*.py")} - {"__init__"}
    assert {f"xl_addin.{name}" for name in top} <= set(WINGS)


def test_the_command_line_starts_without_what_few_commands_need():
    """What the command line loads before it runs: not openpyxl (~80 ms: a sheet read row by
    row needs it), DuckDB (~50 ms: a plan with tblSources rows), holidays (a plan naming a
    country), SciPy (~150 ms: the commands that decompose) or what issue and collect need
    (~60 ms: the reps' workbooks, a progress bar)."""
    later = ("openpyxl", "duckdb", "holidays", "scipy", "tqdm", "xl_addin.repbook.issue",
             "xl_addin.repbook.collect")  # fmt: skip
    code = (
        "import sys, xl_addin.cli, xl_addin.workbook.filebook, xl_addin.workbook.reader\n"
        f"print(sorted(m for m in {later!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
