"""tblActuals columns nothing uses and Funnel stages no column counts, noted at their cells."""

from engine.actuals_columns import Header, Stage, column_notes, header_key
from xl_addin.messages import text

# the table's own columns as the reader records them (xl_addin/workbook/columns.py), typed here
WEEK = ("week", "Week", "周次")
REP = ("rep_id", "RepID", "销售编号", "工号", "员工编号")
AMOUNT = ("amount", "Amount", "销售额", "金额")
VISITS = ("visits", "Visits", "拜访")
DEALS = ("deals", "Deals", "成交")


def own(*columns) -> list[Header]:
    """The table's own columns from A1 on, headed in English."""
    return [Header(c[1], f"Actuals!{chr(65 + j)}1", c) for j, c in enumerate(columns)]


def said(notes, locale):
    return [text(n, locale) for n in notes]


def test_a_column_that_matches_nothing_is_noted_at_its_header_cell():
    headers = [*own(WEEK, REP, AMOUNT, VISITS, DEALS), Header("拜访量", "Actuals!F1")]
    notes = column_notes(headers, [Stage("Visit", "Funnel!A2"), Stage("Deal", "Funnel!A3")], [])
    assert said(notes, "en") == [
        "Actuals!F1: column 拜访量 matches no funnel stage, KPI or known column — it is not used"
    ]
    assert said(notes, "zh-CN") == [
        "Actuals!F1：列 拜访量 不对应任何漏斗阶段、考核指标或已知列——未被使用"
    ]


def test_a_funnel_stage_without_a_column_is_noted_at_its_funnel_cell():
    stages = [Stage("拜访", "Funnel!A2"), Stage("报价", "Funnel!A3"), Stage("成交", "Funnel!A4")]
    notes = column_notes(own(WEEK, REP, AMOUNT, VISITS, DEALS), stages, [])
    assert said(notes, "en") == [
        "Funnel!A3: stage 报价 has no column in tblActuals — its counts are not tracked"
    ]
    assert said(notes, "zh-CN") == [
        "Funnel!A3：漏斗阶段 报价 在 tblActuals 中没有对应的列——其数量未被跟踪"
    ]


def test_a_column_headed_with_a_kpi_or_a_stage_is_used():
    # 留存率 is a KPI's column (its weekly values); 报价 counts the funnel stage 报价
    headers = [
        *own(WEEK, REP, AMOUNT),
        Header("留存率", "Actuals!D1"),
        Header("报价", "Actuals!E1"),
    ]
    assert column_notes(headers, [Stage("报价", "Funnel!A3")], ["新客户", "留存率"]) == []


def test_a_stage_matches_its_plural_and_any_accepted_header_of_a_column():
    # stage Visit is counted by Visits; stage 拜访 by the same column headed in English;
    # stage "Deal" by the Deals column headed 成交 (a Chinese workbook)
    headers = [*own(WEEK, REP, AMOUNT), Header("Visits", "Actuals!D1", VISITS)]
    headers.append(Header("成交", "Actuals!E1", DEALS))
    stages = [Stage("Visit", "Funnel!A2"), Stage("拜访", "Funnel!A3"), Stage("Deal", "Funnel!A4")]
    assert column_notes(headers, stages, []) == []


def test_headers_match_ignoring_case_spaces_and_underscores():
    # as the reader matches headers: "new_customers " and "New Customers" are one key
    assert header_key(" New_Customers\u3000") == header_key("newcustomers") == "newcustomers"
    headers = [*own(WEEK, REP, AMOUNT), Header("Customer_Retention ", "Actuals!D1")]
    stages = [Stage("quote", "Funnel!A2")]
    notes = column_notes([*headers, Header("QUOTES", "Actuals!E1")], stages, ["customer retention"])
    assert notes == []


def test_every_unused_column_then_every_stage_in_order():
    headers = [
        *own(WEEK, REP, AMOUNT),
        Header("Notes", "Actuals!D1"),
        Header("拜访量", "Actuals!E1"),
    ]
    stages = [Stage("Lead", "Funnel!A2"), Stage("Deal", "Funnel!A3")]
    assert said(column_notes(headers, stages, []), "en") == [
        "Actuals!D1: column Notes matches no funnel stage, KPI or known column — it is not used",
        "Actuals!E1: column 拜访量 matches no funnel stage, KPI or known column — it is not used",
        "Funnel!A2: stage Lead has no column in tblActuals — its counts are not tracked",
        "Funnel!A3: stage Deal has no column in tblActuals — its counts are not tracked",
    ]
