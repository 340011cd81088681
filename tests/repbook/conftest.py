"""The example company in each formula-test variant, built once per test process."""

import pytest

from tests.repbook.formula_cases import variant_books
from xl_addin.cli import main
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.fixture(scope="session")
def books_of_variants(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    assert main(["init", str(path), "--example", "--locale", "en"]) == 0
    return variant_books(read_plan(FileBook(path)))
