"""The words of the command line and the buttons: both locales complete and consistent."""

from __future__ import annotations

import string

from engine.recalibrate import REQUEST_FIELDS
from engine.settings import LOCALES
from xl_addin.messages import catalogue, say


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_every_locale_with_the_same_fields():
    words = catalogue()
    assert set(words) == set(LOCALES)
    en = words["en"]
    for locale in LOCALES:
        assert set(words[locale]) == set(en), locale
        for key, text in words[locale].items():
            # {s} makes English plurals; Chinese has none
            assert fields(text) - {"s"} == fields(en[key]) - {"s"}, (locale, key)


def test_every_request_field_has_a_question_name():
    for locale in LOCALES:
        names = [say(f"field_{f}", locale) for f in REQUEST_FIELDS]
        assert all(names) and len(set(names)) == len(names)


def test_english_plurals_and_numbers():
    assert say("problems", "en", n=1) == "1 problem in the input; nothing was changed."
    assert say("problems", "en", n=3) == "3 problems in the input; nothing was changed."
    assert say("problems", "zh-CN", n=3) == "输入中有 3 个问题；未做任何改动。"
    assert say("ask_target_now", "en", who="S001 Li", target=1200000) == (
        "New target for S001 Li (now 1,200,000):"
    )
    line = say("recalibrated_team", "en", target=2_400_000, original=2_000_000, rows=1)
    assert line == "  team target 2,400,000 (originally 2,000,000); 1 row appended to tblChangeLog"


def test_the_track_summary_counts_reps_without_a_report_in_both_locales():
    counts = {"red": 5, "amber": 10, "green": 8}
    assert say("tracked_status_no_report", "en", n=1, week=6, **counts) == (
        "  status: RED 5, AMBER 10, GREEN 8, no report 1 — week 6 not yet reported by 1 rep"
    )
    assert say("tracked_status_no_report", "en", n=2, week=6, **counts) == (
        "  status: RED 5, AMBER 10, GREEN 8, no report 2 — week 6 not yet reported by 2 reps"
    )
    assert say("tracked_status_no_report", "zh-CN", n=1, week=6, **counts) == (
        "  状态：红 5，黄 10，绿 8，未报告 1 — 1 名销售尚未报告第 6 周"
    )
    assert say("tracked_later", "en", n=1, week=6) == (
        "  not counted yet: actuals after week 6 (1 rep reported later weeks)"
    )
    assert say("tracked_later", "zh-CN", n=3, week=6) == (
        "  暂未计入：第 6 周之后的实际数据（3 名销售已报告之后的周）"
    )
    assert say("ask_week", "zh-CN", weeks=13, default=6) == (
        "跟踪周次，1 至 13（多数销售已报告到第 6 周）："
    )


def said_in_the_code() -> list[tuple[str, str, set[str] | None]]:
    """(where, key, the named fields given, or None when some come from **spread) of every
    `say("key", …)`, `box.say("key", …)` and `said("key", …)` with a literal key in the code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = []
    for path in [*root.glob("engine/**/*.py"), *root.glob("xl_addin/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in {"say", "said"} or not node.args:
                continue
            key = node.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            names = {k.arg for k in node.keywords}
            spread = None in names
            where = f"{path.relative_to(root)}:{node.lineno}"
            found.append((where, key.value, None if spread else names))
    return found


def test_every_message_the_code_says_is_in_the_catalogue_with_its_fields():
    words = catalogue()
    uses = said_in_the_code()
    assert len(uses) > 50  # the scan finds the code's messages
    for where, key, given in uses:
        for locale in LOCALES:
            assert key in words[locale], (where, key, locale)
        if given is not None:  # a count n (or rows) may be given only to make {s}
            want = fields(words["en"][key])
            counts = {"n", "rows"} if "s" in want else set()
            assert want - {"s"} <= given <= want | counts, (where, key)


def test_nothing_a_person_reads_refers_to_the_specification():
    """Users do not have the specification: messages and labels, the Readme's column help, the
    worksheet functions' help (their docstrings) and the package's description never cite it."""
    import ast
    from pathlib import Path

    from xl_addin.workbook.columns import TABLES

    root = Path(__file__).resolve().parents[1]
    said = [text for words in catalogue().values() for text in words.values()]
    said += [t.help_en + t.help_zh for t in TABLES]
    said += [c.help_en + c.help_zh for t in TABLES for c in t.columns]
    udfs = ast.parse((root / "xl_addin/excel/udfs.py").read_text(encoding="utf-8"))
    functions = [
        node
        for node in udfs.body
        if isinstance(node, ast.FunctionDef)
        and any("func" in ast.unparse(d) for d in node.decorator_list)
    ]
    assert len(functions) >= 7  # the worksheet functions
    said += [ast.get_docstring(node) or "" for node in functions]
    said.append((root / "README.md").read_text(encoding="utf-8"))
    assert not [text for text in said if "SPEC §" in text or "SPEC example" in text]
