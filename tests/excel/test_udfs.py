"""The worksheet functions (SPEC §9) through xlwings' own UDF machinery, on Linux.

What runs for real: xlwings' `udfs.py` (its decorators `xlfunc`/`xlarg`/`xlret`, the VBA
wrapper generator, `import_udfs`, `get_udf_module`, `call_udf`), `com_server.XLPython.CallUDF`
(the COM method the VBA wrappers call), `_xlwindows` (its Range/Sheet/Book/App wrappers, the
Excel engine's value cleaning), `main.Range` and the whole `xlwings.conversion` pipeline with
the `@xw.arg`/`@xw.ret` options of `xl_addin.excel.udfs`.

What is stood in, here only: the pywin32 modules (pywintypes, pythoncom, win32api, win32con,
win32event, win32gui, win32process, win32timezone, win32com.client/server), ctypes' Windows-only
`oledll`/`windll` and the `PyDLL` that `_xlwindows` opens on pythoncom's DLL at import; the
COM objects Excel passes (a Range, the workbook, the calling cell), which answer the few
properties xlwings reads (Value, Worksheet, Row, Column, Rows/Columns.Count, Parent,
Application.Hwnd, Worksheets, VBProject); and xlwings' own Windows branch of `__init__`
(binding `xw.func`/`arg`/`ret` to `udfs.xlfunc`/`xlarg`/`xlret` and adding the "excel" engine),
which only runs when `sys.platform` is win32. Nothing is skipped: without xlwings these fail.
"""

from __future__ import annotations

import atexit
import ctypes
import importlib
import io
import re
import sys
import types
from types import SimpleNamespace

import pytest

MODULE = "xl_addin.excel.udfs"
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel's Range interface
MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: VBA's value for an argument left out
NA = -2146826246  # #N/A as COM passes an error cell
RATES = ((0.01,), (0.015,), (0.02,))  # floor, target, challenge (SPEC §5)

SPEC_FUNCTIONS = {
    "CAPACITY_TARGET": ["team_target", "headcount", "capability", "resource"],
    "TEAM_TARGET": ["baseline", "growth", "buffer"],
    "TIER_COMMISSION": ["sales", "floor", "target", "challenge", "rates", "Optional mode"],
    "ALERT_STATUS": [
        "to_date",
        "floor",
        "target",
        "week",
        "Optional rhythm",
        "Optional red_below",
    ],
    "PACE_PLAN": ["target", "week", "Optional rhythm"],
    "FUNNEL_NEED": ["remaining", "deal_size", "conversions"],
    "ALLOCATE": ["total", "weights", "Optional round_to", "Optional held"],
}


# --- stand-ins for pywin32 and for the COM objects Excel hands over ---------------------------


class ComError(Exception):
    """pywintypes.com_error"""


class PyIDispatch:
    """A raw COM pointer as pywin32 passes it: an Excel object behind an interface."""

    def __init__(self, target, interface: str):
        self.target = target
        self.interface = interface

    def GetTypeInfo(self):
        iid = RANGE_IID if self.interface == "Range" else "{00000000-0000-0000-0000-000000000000}"
        return SimpleNamespace(
            GetTypeAttr=lambda: SimpleNamespace(iid=iid),
            GetDocumentation=lambda index: (self.interface, None, 0, None),
        )


class CDispatch:
    """win32com.client.CDispatch: late-bound attribute access on a COM pointer."""

    def __init__(self, oleobj: PyIDispatch):
        object.__setattr__(self, "_oleobj_", oleobj)

    def __getattr__(self, name):
        return getattr(self._oleobj_.target, name)

    def __setattr__(self, name, value):
        setattr(self._oleobj_.target, name, value)

    def __call__(self, *args):
        return self._oleobj_.target(*args)


def dispatch(obj, userName=None, resultCLSID=None):  # noqa: N803 - pywin32's keyword names
    return obj if isinstance(obj, CDispatch) else CDispatch(obj)


class _WindowsDLL:
    """ctypes.oledll / windll / PyDLL(pythoncom): any function, returning 0."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return _WindowsDLL()

    def __call__(self, *args, **kwargs):
        return 0


def _module(name: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


class _Wrapped:
    """A Python object handed to VBA as a COM object (win32com.server.util.wrap)."""

    def __init__(self, inner):
        self.inner = inner


def _unwrap(variant):
    if not isinstance(variant, _Wrapped):
        raise ValueError("not a wrapped Python object")
    return variant.inner


def _pywin32() -> dict[str, types.ModuleType]:

    client = _module(
        "win32com.client",
        Dispatch=dispatch,
        DispatchEx=dispatch,
        CDispatch=CDispatch,
        CoClassBaseClass=type("CoClassBaseClass", (), {}),
        DispatchBaseClass=type("DispatchBaseClass", (), {}),
    )
    server = _module("win32com.server")
    server.dispatcher = _module("win32com.server.dispatcher")
    server.policy = _module("win32com.server.policy")
    server.util = _module(
        "win32com.server.util", unwrap=_unwrap, wrap=lambda obj, **kw: _Wrapped(obj)
    )
    win32com = _module("win32com", client=client, server=server)
    modules = [
        _module(
            "pywintypes",
            com_error=ComError,
            TimeType=type("TimeType", (), {}),
            IID=lambda text: text.upper(),
        ),
        _module(
            "pythoncom",
            CoInitialize=lambda: None,
            IID_IDispatch="IID_IDispatch",
            TypeIIDs={"IID_IDispatch": PyIDispatch},
            ole_error=ComError,
            __file__="pythoncom311.dll",
        ),
        _module("win32api"),
        _module("win32con"),
        _module("win32event"),
        _module("win32gui"),
        _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242)),
        _module("win32timezone"),
        win32com,
        client,
        server,
        server.dispatcher,
        server.policy,
        server.util,
    ]
    return {m.__name__: m for m in modules}


# The Excel objects behind the COM pointers: what IDispatch would answer for each property.


class ExcelApp:
    Hwnd = 1001
    Version = "16.0"

    def __init__(self):
        self.macro_options = {}

    def MacroOptions(self, macro, Description=None, Category=None, ArgumentDescriptions=None, **_):  # noqa: N803
        self.macro_options[macro.split("!")[1]] = (Description, Category, ArgumentDescriptions)


class ExcelVBComponents:
    def __init__(self):
        self.imported = ""

    def __call__(self, name):
        raise ComError("no such component", name)

    def Remove(self, component):
        pass

    def Import(self, path):
        with open(path, encoding="utf-8") as f:
            self.imported = f.read()


class ExcelWorksheets:
    def __init__(self, sheets):
        self.sheets = sheets

    @property
    def Count(self):
        return len(self.sheets)

    def __call__(self, key):
        return self.sheets[key - 1]

    def __iter__(self):
        return iter(self.sheets)


class ExcelWorkbook:
    def __init__(self, name: str):
        self.Name = name
        self.Application = ExcelApp()
        self.VBProject = SimpleNamespace(VBComponents=ExcelVBComponents())
        self.sheet = SimpleNamespace(Name="Actuals", Parent=self)
        self.Worksheets = ExcelWorksheets([self.sheet])


class ExcelRange:
    """A block of cells; Value as COM gives it: one cell a scalar, more a tuple of row tuples."""

    def __init__(self, book: ExcelWorkbook, rows, row: int = 2, column: int = 2):
        self.values = [list(r) for r in rows]
        self.reads = 0
        self.Worksheet = book.sheet
        self.Row, self.Column = row, column
        self.Rows = SimpleNamespace(Count=len(self.values))
        self.Columns = SimpleNamespace(Count=len(self.values[0]))

    @property
    def Value(self):
        self.reads += 1
        if len(self.values) == 1 and len(self.values[0]) == 1:
            return self.values[0][0]
        return tuple(tuple(r) for r in self.values)


# --- the fixture: xlwings' Windows path, importable on Linux ----------------------------------


@pytest.fixture(scope="module")
def xl():
    """xlwings.udfs, com_server and a fresh `xl_addin.excel.udfs` decorated by the real xlfunc."""
    import xlwings as xw

    before = set(sys.modules)
    windows_names = (
        "func",
        "arg",
        "ret",
        "script",
        "sub",
        "serve",
        "get_udf_module",
        "import_udfs",
    )
    saved = {name: getattr(xw, name) for name in windows_names}
    with pytest.MonkeyPatch.context() as patch:
        for name, module in _pywin32().items():
            patch.setitem(sys.modules, name, module)
        with pytest.MonkeyPatch.context() as windows_only:
            windows_only.setattr(ctypes, "oledll", _WindowsDLL(), raising=False)
            windows_only.setattr(ctypes, "windll", _WindowsDLL(), raising=False)
            windows_only.setattr(ctypes, "PyDLL", _WindowsDLL)  # opened on pythoncom's DLL
            xlwindows = importlib.import_module("xlwings._xlwindows")
        patch.setattr(xlwindows, "N_COM_ATTEMPTS", 1)  # a missing stand-in fails, never spins
        udfs = importlib.import_module("xlwings.udfs")
        com_server = importlib.import_module("xlwings.com_server")
        # what xlwings/__init__.py does when sys.platform is win32 and pywin32 imports
        xw.engines.add(xw.Engine(impl=xlwindows.engine))
        xw.func, xw.arg, xw.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        xw.script = xw.sub = udfs.xlsub
        xw.serve, xw.get_udf_module = com_server.serve, udfs.get_udf_module
        xw.import_udfs = udfs.import_udfs
        saved_udfs = sys.modules.pop(MODULE, None)  # imported again, under the real decorators
        try:
            module = importlib.import_module(MODULE)
            yield SimpleNamespace(
                udfs=udfs, server=com_server.XLPython(), module=module, xlwindows=xlwindows
            )
        finally:
            for name, value in saved.items():
                setattr(xw, name, value)
            xw.engines.engines.remove(xw.engines.engines_by_name.pop("excel"))
            atexit.unregister(xlwindows.cleanup)
            udfs.com_executor.shutdown(wait=False)
            com_server.loop.close()
            for name in set(sys.modules) - before:
                if name.startswith(("xlwings.", MODULE)):
                    del sys.modules[name]
                    parent, _, child = name.rpartition(".")
                    if hasattr(sys.modules.get(parent), child):
                        delattr(sys.modules[parent], child)
            if saved_udfs is not None:
                sys.modules[MODULE] = saved_udfs
                sys.modules["xl_addin.excel"].udfs = saved_udfs


@pytest.fixture()
def book():
    return ExcelWorkbook("Plan.xlsm")


def com(target, interface: str = "Range") -> PyIDispatch:
    """What pywin32 hands the COM server for an Excel object: a raw IDispatch pointer."""
    return PyIDispatch(target, interface)


def cells(book: ExcelWorkbook, *rows) -> PyIDispatch:
    """A range argument, e.g. cells(book, [1.2], [1.0]) for a 2-row column."""
    return com(ExcelRange(book, rows))


def call(xl, book: ExcelWorkbook, name: str, *args):
    """Excel calling `=NAME(args)`: the VBA wrapper's XLPy.CallUDF(module, name, Array(args),
    ThisWorkbook, Application.Caller), with the result as the COM server returns it."""
    caller = com(ExcelRange(book, [[None]], row=20, column=9))
    return xl.server.CallUDF(MODULE, name, args, com(book, "Workbook"), caller)


# --- the VBA that xlwings generates for the module ----------------------------------------------


def test_vba_wrappers_declare_one_function_per_spec_function_with_its_arguments(xl):
    out = io.StringIO()
    xl.udfs.generate_vba_wrapper(MODULE, xl.module, out, SimpleNamespace(Name="salesplan.xlam"))
    vba = out.getvalue()
    declared = re.findall(r"^(Function|Sub) (\w+)\((.*)\)$", vba, flags=re.M)
    assert [kind for kind, _, _ in declared] == ["Function"] * len(SPEC_FUNCTIONS)
    assert {name: args.split(", ") for _, name, args in declared} == SPEC_FUNCTIONS
    # an add-in calls back on the workbook the formula is in
    assert (
        'ALLOCATE = XLPy.CallUDF("xl_addin.excel.udfs", "ALLOCATE", Array(total, weights, ' in vba
    )
    assert "round_to, held), ActiveWorkbook, Application.Caller)" in vba


def test_import_functions_registers_each_function_with_its_description_and_argument_help(xl):
    # the "Import Functions" button: XLPy.Call(XLPy.Module("xlwings"), "import_udfs",
    # XLPy.Tuple(GetUdfModules(wb), wb)) in xlwings.bas
    book = ExcelWorkbook("Plan.xlsm")
    server = xl.server
    server.Call(
        server.Module("xlwings"), "import_udfs", server.Tuple(MODULE, com(book, "Workbook"))
    )
    imported = book.VBProject.VBComponents.imported
    assert imported.startswith('Attribute VB_Name = "xlwings_udfs"')
    assert set(re.findall(r"^Function (\w+)\(", imported, flags=re.M)) == set(SPEC_FUNCTIONS)
    assert "ThisWorkbook, Application.Caller" in imported  # a workbook, not an add-in
    options = book.Application.macro_options
    assert set(options) == set(SPEC_FUNCTIONS)
    description, category, argument_help = options["CAPACITY_TARGET"]
    assert description.startswith("A rep's target from capacity: team_target / headcount")
    assert category == "salesplan"
    assert argument_help[1] == "Number of reps sharing it, above 0"
    assert all(len(d) <= 255 for d, _, _ in options.values())  # Excel's limit, cut by xlwings


def test_each_function_reads_its_arguments_as_2d_ranges_with_excel_errors_as_text(xl):
    for name, args in SPEC_FUNCTIONS.items():
        info = getattr(xl.module, name).__xlfunc__
        assert [a["name"] for a in info["args"]] == [a.split()[-1] for a in args]
        for arg in info["args"]:
            assert arg["options"]["ndim"] == 2
            assert arg["options"]["err_to_str"] is True
        assert info["category"] == "salesplan"


# --- seed values, through call_udf and the converters --------------------------------------------


def test_capacity_target_seed_formula_gives_231(xl, book):
    # 1,400 / 8 × 1.2 × 1.1 = 175 × 1.32 = 231 exactly (as floats it would be 231.00000000000003)
    assert call(xl, book, "CAPACITY_TARGET", 1400.0, 8.0, 1.2, 1.1) == 231.0


def test_capacity_target_accepts_text_numbers_and_single_cell_ranges(xl, book):
    team = cells(book, ["1,400"])
    heads = cells(book, ["８"])  # full-width digit
    assert call(xl, book, "CAPACITY_TARGET", team, heads, cells(book, [1.2]), "110%") == 231.0


def test_capacity_target_with_columns_gives_one_value_per_row_summing_to_the_team_target(xl, book):
    # weights capability × resource: 1.32, 1.0, 0.72, 1.0 (blank capability is 1); sum 4.04
    # 1,400 × w / 4.04 = 457.43, 346.53, 249.50, 346.53 -> floors 457, 346, 249, 346 = 1,398;
    # the 2 left go to the largest remainders, rows 2 and 4 (.53 > .50 > .43)
    capability = cells(book, [1.2], [1.0], [0.8], [None])
    resource = cells(book, [1.1], [1.0], [0.9], [1.0])
    out = call(xl, book, "CAPACITY_TARGET", 1400.0, 4.0, capability, resource)
    assert out == [[457.0], [347.0], [249.0], [347.0]]
    assert sum(row[0] for row in out) == 1400
    # xlwings took them for Excel ranges and read each once, through its Range and converters
    assert capability.target.reads == resource.target.reads == 1


def test_team_target_of_the_spec_example_is_2_4_million(xl, book):
    # 2,000,000 × 1.25 × 0.96 = 2,400,000
    assert call(xl, book, "TEAM_TARGET", 2_000_000.0, 0.25, 0.04) == 2_400_000.0
    assert call(xl, book, "TEAM_TARGET", "2,000,000", "25%", 4.0) == 2_400_000.0  # 4 is 4 %


def test_team_target_column_in_gives_column_out_and_blank_rows_stay_blank(xl, book):
    baselines = cells(book, [2_000_000], [None], [1_000_000])
    out = call(xl, book, "TEAM_TARGET", baselines, 0.25, None)  # blank buffer is 0
    assert out == [[2_500_000.0], [""], [1_250_000.0]]


def test_tier_commission_of_the_spec_example_retroactive_and_marginal(xl, book):
    # sales 1,200,000 reach challenge (1,150,000): retroactive 1,200,000 × 2 % = 24,000;
    # marginal 1,000,000 × 1 % + 150,000 × 1.5 % + 50,000 × 2 % = 10,000 + 2,250 + 1,000
    tiers = (900_000.0, 1_000_000.0, 1_150_000.0)
    rates = cells(book, *RATES)
    assert call(xl, book, "TIER_COMMISSION", 1_200_000.0, *tiers, rates, MISSING) == 24_000.0
    assert call(xl, book, "TIER_COMMISSION", 1_200_000.0, *tiers, rates, "marginal") == 13_250.0


def test_tier_commission_sales_column_gives_commission_column_exact_on_thresholds(xl, book):
    # 899,999.99 is one cent below floor: nothing; 900,000 × 1 % = 9,000;
    # 1,000,000 × 1.5 % = 15,000; 1,150,000 × 2 % = 23,000; blank sales stay blank
    sales = cells(book, [899_999.99], [900_000], [1_000_000], [1_150_000], [None])
    out = call(xl, book, "TIER_COMMISSION", sales, 900_000, 1_000_000, 1_150_000, RATES, MISSING)
    assert out == [[0.0], [9_000.0], [15_000.0], [23_000.0], [""]]


def test_funnel_need_of_the_spec_example_is_60_visits_30_demos_12_deals(xl, book):
    # 600,000 / 50,000 = 12 deals; 12 / 0.4 = 30 demos; 30 / 0.5 = 60 visits
    conversions = ((0.5,), (0.4,))  # {0.5; 0.4} as VBA passes an array constant
    assert call(xl, book, "FUNNEL_NEED", 600_000.0, 50_000.0, conversions) == [
        [60.0],
        [30.0],
        [12.0],
    ]


def test_funnel_need_column_of_remaining_gives_one_row_per_rep(xl, book):
    # 600,001 needs 13 deals (ceil), 33 demos (32.5 up), 66 visits
    remaining = cells(book, [600_000], [600_001], [None])
    conversions = cells(book, ["50%"], [0.4], [None])  # blank conversion cells are skipped
    out = call(xl, book, "FUNNEL_NEED", remaining, 50_000.0, conversions)
    assert out == [[60.0, 30.0, 12.0], [66.0, 33.0, 13.0], ["", "", ""]]


def test_allocate_held_cells_keep_their_row_and_the_rest_share_by_weight(xl, book):
    # 20 held; 80 left over weights 10 and 30 -> 20 and 60
    weights = cells(book, [10], [20], [30])
    held = cells(book, [None], [20], [None])
    assert call(xl, book, "ALLOCATE", 100.0, weights, MISSING, held) == [[20.0], [20.0], [60.0]]


def test_allocate_equal_weights_sum_to_exactly_the_total(xl, book):
    # 100 / 3 = 33.33 each: floors 33 × 3 = 99, the 1 left goes to the first row (ties)
    out = call(xl, book, "ALLOCATE", 100.0, ((1.0,), (1.0,), (1.0,)), 1.0, MISSING)
    assert out == [[34.0], [33.0], [33.0]]
    assert sum(row[0] for row in out) == 100


def test_allocate_a_row_of_weights_gives_a_row_in_multiples_of_round_to(xl, book):
    # 10,000 by 1:2 in thousands: 3,333.33 and 6,666.67 -> 3 and 6 thousands, 1 left to the
    # larger remainder (.67)
    out = call(xl, book, "ALLOCATE", 10_000.0, cells(book, [1, 2]), 1000.0, MISSING)
    assert out == [3000.0, 7000.0]


def test_pace_plan_is_the_plan_to_date_under_the_rhythm(xl, book):
    # 30 % over weeks 1-4, 50 % over 5-10, 20 % over 11-13 of 1,000,000
    rhythm = cells(
        book,
        ["Phase", "Weeks", "Share"],
        ["Start", 4, "30%"],
        ["Push", 6, 0.5],
        ["Close", 3, 20],
        [None, None, None],
    )
    out = call(xl, book, "PACE_PLAN", 1_000_000.0, cells(book, [4], [10], [13], [0]), rhythm)
    assert out == [[300_000.0], [800_000.0], [1_000_000.0], [0.0]]


def test_pace_plan_without_rhythm_spreads_13_weeks_evenly_in_whole_yuan(xl, book):
    # 1,000,000 / 13 = 76,923.08: 76,923 a week and the 1 left to week 1; 4 weeks = 307,693
    assert call(xl, book, "PACE_PLAN", 1_000_000.0, 4.0, MISSING) == 307_693.0
    assert call(xl, book, "PACE_PLAN", 1_000_000.0, 4.0, 4.0) == 1_000_000.0  # 4 even weeks


def test_alert_status_red_amber_green_against_the_plan_to_date(xl, book):
    # week 4 of the rhythm: plan to date 300,000; floor 900,000 phased alike: 270,000;
    # red below 0.8 × 270,000 = 216,000
    rhythm = cells(book, [4, 0.3], [6, 0.5], [3, 0.2])
    to_date = cells(book, [300_000], [299_999.99], [216_000], [215_999.99], [None])
    out = call(xl, book, "ALERT_STATUS", to_date, 900_000.0, 1_000_000.0, 4.0, rhythm, MISSING)
    assert out == [["GREEN"], ["AMBER"], ["AMBER"], ["RED"], [""]]


def test_alert_status_red_below_is_an_optional_argument(xl, book):
    # red below 0.5 × 270,000 = 135,000: 200,000 is only AMBER
    rhythm = cells(book, ["Start", 4, 0.3], ["Push", 6, 0.5], ["Close", 3, 0.2])
    assert call(xl, book, "ALERT_STATUS", 200_000.0, 900_000, 1e6, 4.0, rhythm, MISSING) == "RED"
    assert call(xl, book, "ALERT_STATUS", 200_000.0, 900_000, 1e6, 4.0, rhythm, "50%") == "AMBER"


# --- bad arguments: readable text naming the argument, never a traceback ------------------------


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("CAPACITY_TARGET", (1400.0, 0.0, 1.2, 1.1), "headcount must be above 0 (got 0)"),
        ("CAPACITY_TARGET", (1400.0, None, 1.2, 1.1), "headcount is blank; it must be above 0"),
        ("TEAM_TARGET", ("lots", 0.25, 0.04), 'baseline "lots" is not a number'),
        ("TEAM_TARGET", (2e6, 0.25, 1.0), "buffer 100 % must be from 0 % to below 100 %"),
        ("TEAM_TARGET", (2e6, "-150%", 0.04), "growth -150 % must be above -100 %"),
        (
            "TIER_COMMISSION",
            (1e6, 9e5, 1e6, 1.15e6, ((0.01,), (0.015,)), MISSING),
            "rates must be 3 cells",
        ),
        ("TIER_COMMISSION", (1e6, 9e5, 1e6, 1.15e6, RATES, "generous"), 'mode "generous" is not'),
        (
            "TIER_COMMISSION",
            (1e6, 1.1e6, 1e6, 1.15e6, RATES, MISSING),
            "floor 1,100,000 is above target",
        ),
        ("FUNNEL_NEED", (6e5, 0.0, ((0.5,),)), "deal_size must be above 0 (got 0)"),
        ("FUNNEL_NEED", (6e5, 5e4, ((0.5,), (0.0,))), "conversions row 2 must be above 0"),
        ("ALLOCATE", (105.0, ((1.0,), (1.0,)), 10.0, MISSING), "total 105 is not a multiple"),
        (
            "ALLOCATE",
            (100.0, ((1.0, 2.0), (3.0, 4.0)), MISSING, MISSING),
            "weights must be one cell, one column or one row, not 2×2",
        ),
        (
            "ALLOCATE",
            (100.0, ((1.0,), (1.0,)), MISSING, ((50.0,), (60.0,))),
            "held adds up to 110, more than total 100",
        ),
        ("PACE_PLAN", (1e6, 14.0, MISSING), "week must be a whole week, 0 to 13 (got 14)"),
        (
            "ALERT_STATUS",
            (1.0, 9e5, 1e6, 2.0, ((4, 0.3), (9, 0.5)), MISSING),
            "rhythm: the shares add up to 80.00%",
        ),
    ],
)
def test_a_bad_argument_returns_text_naming_it(xl, book, name, args, message):
    out = call(xl, book, name, *args)
    assert isinstance(out, str)
    assert out.startswith("salesplan: ")
    assert message in out
    assert "Traceback" not in out


def test_an_excel_error_in_a_range_is_named_not_read_as_blank(xl, book):
    sales = cells(book, [1_000_000], [NA])
    out = call(xl, book, "TIER_COMMISSION", sales, 9e5, 1e6, 1.15e6, RATES, MISSING)
    assert out == 'salesplan: sales row 2 "#N/A" is not a number'


def test_columns_of_different_lengths_are_refused(xl, book):
    out = call(xl, book, "TEAM_TARGET", cells(book, [1], [2], [3]), cells(book, [0.1], [0.2]), 0.0)
    assert out == (
        "salesplan: growth has 2 cells but baseline has 3; give one value or one per row of baseline"
    )


def test_an_unexpected_failure_is_text_in_the_cell_not_a_traceback(xl, book, monkeypatch):
    def broken(*args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("engine.targets.capacity_target", broken)
    out = call(xl, book, "CAPACITY_TARGET", 1400.0, 8.0, 1.2, 1.1)
    assert out == "salesplan: CAPACITY_TARGET failed: division by zero"
