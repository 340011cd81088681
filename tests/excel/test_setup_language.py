"""The set-up commands (`salesplan excel addin | install | doctor`) speak as the other commands
do: --lang, else the Locale of the plan given to doctor, else the computer's language. A
Chinese run says no English sentence: every Latin word left is a name (a command, a product,
a file type, a module), once paths are set aside."""

from __future__ import annotations

import contextlib
import ctypes
import io
import re
import sys
import types
from pathlib import Path

import pytest
import xlwings

from tests.e2e.test_zh_plan import CODE, NAMES, WORD
from xl_addin.cli import main
from xl_addin.excel import vba_projects
from xl_addin.excel.doctor import doctor, report
from xl_addin.excel.install import install, runpython_script, startup_folder
from xl_addin.messages import system_locale
from xl_addin.workbook.init import write_plan

# names a Chinese user reads as names: the commands and their options, products and
# platforms, file types, settings as xlwings names them, a worksheet function
ALLOWED = NAMES | {
    *("excel", "addin", "install", "doctor", "init", "decompose", "track", "issue", "send"),
    *("recalibrate", "out", "DIR", "NEW", "PLAN", "pip", "m", "e", "config", "create", "force"),
    *("runpython", "xlwings", "Python", "Excel", "VBA", "RunPython", "AppleScript", "pywin32"),
    *("Windows", "macOS", "Linux", "xlam", "xlsm", "xlsx", "conf", "PATH", "Conda", "Path"),
    *("Env", "Interpreter_Win", "Interpreter_Mac", "xw", "func", "CAPACITY_TARGET"),
    *("plan", "missing"),  # the files these tests give doctor: plan.xlsx, missing.xlsm
}
MODULES = re.compile(r"\b(xl_addin|salesplan_udfs)(\.\w+)+")


def english_words(text: str, *paths: Path) -> list[str]:
    """The Latin words of `text` that are not names, with paths and module names taken out."""
    for path in sorted({str(p) for p in (*paths, sys.executable, sys.prefix)}, key=len)[::-1]:
        text = re.sub(re.escape(path) + r"[^\s，；（）：]*", "", text)
    text = MODULES.sub("", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED and not CODE.match(w)]


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def computer(monkeypatch, tmp_path):
    """A computer whose language the test sets (LANG), with xlwings' settings in tmp_path."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / ".xlwings" / "xlwings.conf"))
    return monkeypatch


def test_addin_speaks_the_computers_language_without_a_plan(computer, tmp_path):
    computer.setenv("LANG", "zh_CN.UTF-8")
    code, out, _ = run("excel", "addin", "--out", tmp_path, "--locale", "en")
    assert code == 0 and (tmp_path / "salesplan.xlam").is_file()
    assert out.startswith("已写入 ") and "功能区" in out
    assert english_words(out, tmp_path) == []
    computer.setenv("LANG", "en_US.UTF-8")
    _, out, _ = run("excel", "addin", "--out", tmp_path)
    assert out.startswith("Wrote ")
    _, out, _ = run("excel", "addin", "--out", tmp_path, "--lang", "zh-CN")  # --lang first
    assert out.startswith("已写入 ")


def test_addin_without_its_functions_module_says_why_in_chinese(computer, tmp_path):
    computer.setattr(vba_projects, "UDF_MODULE", "xl_addin.no_such_udfs")
    code, _, err = run("excel", "addin", "--out", tmp_path, "--lang", "zh-CN")
    assert code == 1 and list(tmp_path.iterdir()) == []
    assert "无法注册工作表函数：工作表函数模块 xl_addin.no_such_udfs 不存在" in err
    assert "解决：" in err
    assert english_words(err, tmp_path) == []


def test_install_where_there_is_no_excel_says_so_in_chinese(computer, tmp_path):
    computer.setenv("HOME", str(tmp_path))
    computer.setenv("LC_ALL", "zh_CN.UTF-8")
    code, out, err = run("excel", "install")
    assert code == 1 and out == ""  # this suite runs on Linux
    assert "Linux 上没有 Excel" in err and "未安装任何内容" in err
    assert english_words(err, tmp_path) == []


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_install_and_doctor_say_each_line_in_chinese(computer, tmp_path, platform):
    environ = {"APPDATA": str(tmp_path / "AppData" / "Roaming")}
    if platform == "darwin":  # the Python that Excel starts is this one (no probe of another)
        config = Path(xlwings.USER_CONFIG_FILE)
        config.parent.mkdir(parents=True)
        config.write_text(f'"INTERPRETER_MAC","{sys.executable}"\n', encoding="utf-8")
    out = io.StringIO()
    assert install("en", platform, environ, tmp_path, out, lang="zh-CN") == 0
    installed = out.getvalue()
    assert installed.startswith("已安装 ") and "请重新启动 Excel" in installed
    if platform == "win32":
        assert "xlwings 设置：" in installed  # a new xlwings.conf
    else:
        assert "RunPython 的 AppleScript：" in installed
    out = io.StringIO()
    checks = doctor(tmp_path / "missing.xlsm", platform, environ, tmp_path)
    assert report(checks, "zh-CN", out) == 1  # the missing file
    said = out.getvalue()
    assert "中的 VBA" in said and "加载项" in said and "失败" in said and "解决：" in said
    assert len(checks) >= 6
    folders = (startup_folder(platform, environ, tmp_path), runpython_script(tmp_path))
    assert english_words(installed + said, *folders, tmp_path) == []


def test_doctor_speaks_the_plans_locale(computer, tmp_path):
    computer.setenv("LANG", "en_US.UTF-8")
    plan = write_plan(tmp_path / "plan.xlsx", locale="zh-CN")
    code, out, _ = run("excel", "doctor", plan)
    assert code == 1  # no Excel here
    assert "plan.xlsx 的宏" in out and "Linux 上没有 Excel" in out
    assert english_words(out, tmp_path) == []
    _, english, _ = run("excel", "doctor", plan, "--lang", "en")
    assert "macros of plan.xlsx" in english and "FAIL  Excel: Excel is not available" in english


@pytest.mark.parametrize(
    ("environ", "locale"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN"),  # LC_ALL first
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh-CN"),  # set but empty: not set
        ({}, "en"),
    ],
)
def test_the_computers_language_follows_lc_all_then_lang(environ, locale):
    assert system_locale(environ, platform="linux") == locale


@pytest.mark.parametrize(("language", "locale"), [(0x0804, "zh-CN"), (0x0409, "en")])
def test_windows_without_lang_speaks_its_display_language(monkeypatch, language, locale):
    kernel32 = types.SimpleNamespace(GetUserDefaultUILanguage=lambda: language)
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)
    assert system_locale({}, platform="win32") == locale
