"""The example company in each formula-test variant, built once per test process."""

import pytest

from tests.examples import example_plan
from tests.repbook.formula_cases import variant_books
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.fixture(scope="session")
def books_of_variants(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    example_plan(path, "en")
    return variant_books(read_plan(FileBook(path)))
