"""Project rules that a reviewer would otherwise check by hand."""

import ast
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
