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
