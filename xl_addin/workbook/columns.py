"""The planning workbook's tables and columns (SPEC §1), as one table of specs.

Reader, validator, `init` and the Readme sheet are all driven by this table, so a
column is described once: its key in the engine, its headers in both locales, its kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.actuals_columns import header_key
from engine.settings import choices

# Kinds of value a column holds; the coercion for each lives in xl_addin/workbook/coerce.py.
TEXT, NUMBER, AMOUNT, FRACTION, DATE, INTEGER, CHOICE = (
    "text",
    "number",
    "amount",
    "fraction",
    "date",
    "integer",
    "choice",
)


@dataclass(frozen=True)
class Column:
    key: str  # the engine's column name
    en: str  # header written by `init --locale en`
    zh: str  # header written by `init` (zh-CN), accepted as an alias in any locale
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # further accepted headers
    help_en: str = ""
    help_zh: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str  # ListObject name, e.g. tblReps
    sheet: str  # default sheet for `init`
    key: str  # the engine's name for the table, e.g. reps
    columns: tuple[Column, ...]
    optional: bool = True  # the table may be absent
    help_en: str = ""
    help_zh: str = ""
    one_of: tuple[str, ...] = ()  # at least one of these columns is required (Week or Date)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# the English values of the choice columns; their Chinese names are in engine/settings.py
LEVELS = choices("Level")
TERRITORIES = choices("Territory")
STAGES = choices("Stage")
TIERS = choices("Tier")

C = Column
TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "tblSettings",
        "Settings",
        "settings",
        (
            C("setting", "Setting", "设置项", TEXT, True, aliases=("参数",)),
            C("value", "Value", "值", TEXT, True, aliases=("取值", "数值")),
            # what the setting means, written by `init`; the user's to edit, never read
            C("description", "Description", "说明", TEXT, aliases=("描述", "备注")),
        ),
        optional=False,
        help_en="Key/value settings: period, rounding, growth, buffer, tiers, coefficients "
        "(each described below). Description is yours to edit; it is never read.",
        help_zh="参数设置：考核期、取整、增长率、缓冲、档位、系数等（各项见下文）。"
        "“说明”列可自由编辑，不会被读取。",
    ),
    TableSpec(
        "tblHistory",
        "SalesHistory",  # not History: Excel reserves that name for its change history
        "history",
        (
            C("period", "Period", "日期", DATE, True, aliases=("期间", "时间")),
            C("amount", "Amount", "销售额", AMOUNT, True, aliases=("金额",)),
            C("region", "Region", "区域"),
            C("product", "Product", "产品线", aliases=("产品",)),
            C("customer_type", "CustomerType", "客户类型"),
            C("rep_id", "RepID", "销售编号", aliases=("工号", "员工编号")),
        ),
        optional=False,
        help_en="Actual sales from the CRM/ERP: one row per order, day, week or month.",
        help_zh="历史实际销售（CRM/ERP 导出）：每行一笔订单、一天、一周或一月。",
    ),
    TableSpec(
        "tblReps",
        "Reps",
        "reps",
        (
            C("rep_id", "RepID", "销售编号", TEXT, True, aliases=("工号", "员工编号")),
            C("name", "Name", "姓名", TEXT, True),
            C("region", "Region", "区域", TEXT, True),
            C("email", "Email", "邮箱", aliases=("电子邮件",)),
            C("level", "Level", "职级", CHOICE, choices=LEVELS, aliases=("级别",)),
            C("territory", "Territory", "片区类型", CHOICE, choices=TERRITORIES, aliases=("片区",)),
            C("start_date", "StartDate", "入职日期", DATE, aliases=("开始日期",)),
            C("end_date", "EndDate", "离职日期", DATE, aliases=("结束日期",)),
            C("capability", "Capability", "能力系数", NUMBER),
            C("resource", "Resource", "资源系数", NUMBER),
            C("locked_target", "LockedTarget", "锁定目标", AMOUNT),
            C("manager", "Manager", "主管", aliases=("经理",)),
            C("password", "Password", "密码"),
        ),
        optional=False,
        help_en="The sales force. Level: senior/standard/new; Territory: core/standard/suburb.",
        help_zh="销售人员名单。职级：资深/标准/新人；片区类型：核心/标准/郊区。",
    ),
    TableSpec(
        "tblProducts",
        "Products",
        "products",
        (
            C("product", "Product", "产品线", TEXT, True, aliases=("产品",)),
            C("stage", "Stage", "生命周期", CHOICE, choices=STAGES, aliases=("阶段",)),
            C("weight", "Weight", "权重", FRACTION),
            C("margin", "Margin", "毛利率", FRACTION),
        ),
        optional=False,
        help_en="Product lines. Stage: new/growth/mature/longtail; Weight overrides the stage split.",
        help_zh="产品线。生命周期：新品/成长/成熟/长尾；填写权重则不按阶段分配。",
    ),
    TableSpec(
        "tblRegions",
        "Regions",
        "regions",
        (
            C("region", "Region", "区域", TEXT, True),
            C("potential", "Potential", "市场潜力", NUMBER),
            C("weight", "Weight", "权重", FRACTION),
            C("manager", "Manager", "区域经理", aliases=("经理",)),
            C("manager_email", "ManagerEmail", "经理邮箱"),
            C("password", "Password", "密码"),  # of the region's roll-up, with issue --encrypt
        ),
        optional=False,
        help_en="Regions with market potential; Weight overrides the blend of history, potential and headcount.",
        help_zh="区域及市场潜力；填写权重则不按历史、潜力、人数混合分配。",
    ),
    TableSpec(
        "tblCustomerTypes",
        "CustomerTypes",
        "customer_types",
        (
            C("customer_type", "CustomerType", "客户类型", TEXT, True),
            C("weight", "Weight", "权重", FRACTION, True),
        ),
        help_en="Customer types (e.g. KA / SMB / New) and their share of the target.",
        help_zh="客户类型（如 KA / SMB / 新客户）及其目标占比。",
    ),
    TableSpec(
        "tblCoverage",
        "Coverage",
        "coverage",
        (
            C("rep_id", "RepID", "销售编号", TEXT, True, aliases=("工号", "员工编号")),
            C("product", "Product", "产品线", TEXT, True, aliases=("产品",)),
        ),
        help_en="Optional: which products each rep sells. A rep with no rows here sells all products.",
        help_zh="可选：每位销售负责的产品。未列出的销售负责全部产品。",
    ),
    TableSpec(
        "tblCommission",
        "Rates",  # not "Commission": that is the name of an output sheet (SPEC §1.2)
        "commission",
        (
            C("tier", "Tier", "档位", CHOICE, True, choices=TIERS),
            C("rate", "Rate", "提成比例", FRACTION, True, aliases=("比例",)),
        ),
        help_en="Commission rate per tier (floor, target, challenge), as a fraction.",
        help_zh="各档位（保底、目标、挑战）的提成比例。",
    ),
    TableSpec(
        "tblRhythm",
        "Rhythm",
        "rhythm",
        (
            C("phase", "Phase", "阶段", TEXT, True),
            C("weeks", "Weeks", "周数", INTEGER, True),
            C("share", "Share", "占比", FRACTION, True),
        ),
        help_en="Phasing anchors: each phase's share is spread evenly over its weeks.",
        help_zh="节奏：每个阶段的目标占比平均分到该阶段的各周。",
    ),
    TableSpec(
        "tblFunnel",
        "Funnel",
        "funnel",
        (
            C("stage", "Stage", "漏斗阶段", TEXT, True, aliases=("阶段",)),
            C("conversion", "Conversion", "转化率", FRACTION, True),
        ),
        help_en="Ordered funnel stages and the conversion from each stage to the next.",
        help_zh="按顺序排列的漏斗阶段及其到下一阶段的转化率。",
    ),
    TableSpec(
        "tblKPIs",
        "KPIs",
        "kpis",
        (
            C("kpi", "KPI", "考核指标", TEXT, True, aliases=("指标",)),
            C("weight", "Weight", "权重", FRACTION, True),
            C("floor", "Floor", "保底", NUMBER),
            C("target", "Target", "目标", NUMBER),
            C("challenge", "Challenge", "挑战", NUMBER),
            C("unit", "Unit", "单位"),
        ),
        help_en="Non-revenue goals (new customers, retention, …) with their weights and tiers.",
        help_zh="非销售额考核指标（新客户、留存等）及权重和档位。",
    ),
    TableSpec(
        "tblActuals",
        "Actuals",
        "actuals",
        (
            C("week", "Week", "周次", INTEGER),
            C("date", "Date", "日期", DATE, aliases=("订单日期", "成交日期", "下单日期")),
            C("rep_id", "RepID", "销售编号", TEXT, True, aliases=("工号", "员工编号")),
            C("amount", "Amount", "销售额", AMOUNT, True, aliases=("金额",)),
            C("visits", "Visits", "拜访", INTEGER),
            C("demos", "Demos", "演示", INTEGER),
            C("deals", "Deals", "成交", INTEGER),
            C("new_customers", "NewCustomers", "新客户", INTEGER),
            # gross profit on the sales of the row, typed as Amount is; tracked when the plan
            # has gross-profit targets (a Margin in tblProducts)
            C("gross_profit", "GrossProfit", "毛利", AMOUNT, aliases=("毛利额",)),
        ),
        help_en="Actuals, filled in during the period: one row per rep and week (Week), or per "
        "order (Date, any day; rows of one rep and week are summed).",
        help_zh="考核期内的实际完成情况：每位销售每周一行（周次），或每笔订单一行（日期，任意一天；"
        "同一销售同一周的各行相加）。",
        one_of=("week", "date"),
    ),
    TableSpec(
        "tblChangeLog",
        "ChangeLog",
        "change_log",
        (
            C("timestamp", "Timestamp", "时间"),
            C("rep_id", "RepID", "销售编号"),
            C("field", "Field", "字段"),
            C("old", "Old", "原值", NUMBER),
            C("new", "New", "新值", NUMBER),
            C("reason", "Reason", "原因"),
            C("approver", "Approver", "审批人"),
            C("version", "Version", "版本", INTEGER),
            C("from_week", "FromWeek", "生效周", INTEGER),
        ),
        help_en="Append-only audit trail of recalibrations, written by salesplan.",
        help_zh="目标调整的审计记录（只追加），由 salesplan 写入。",
    ),
    TableSpec(
        "tblSources",
        "Sources",
        "sources",
        (
            C("table", "Table", "表", TEXT, True, aliases=("表名",)),
            C("source", "Source", "来源", TEXT, True, aliases=("数据源", "文件")),
            C("query", "Query", "查询", TEXT, aliases=("SQL",)),
            C("columns", "Columns", "列对应", TEXT, aliases=("列映射", "字段对应")),
        ),
        help_en="Optional: read tblHistory or tblActuals from a CSV or Parquet file (path "
        "relative to the plan; * for monthly files) or a database (the name of an environment "
        "variable holding its URL, or sqlite:///file.db, with a Query). Columns maps the "
        "source's headers: 订单日期=Period, 金额=Amount.",
        help_zh="可选：从 CSV 或 Parquet 文件（相对计划文件的路径，可用 * 匹配每月导出的文件）或数据库"
        "（存放连接地址的环境变量名，或 sqlite:///文件.db，并填写查询）读取历史销售或实际完成数据。"
        "“列对应”把来源的列名对应到表的列：订单日期=日期, 金额=销售额。",
    ),
    TableSpec(
        "tblSignOffs",
        "SignOffs",
        "sign_offs",
        (
            C("rep_id", "RepID", "销售编号", aliases=("工号", "员工编号")),
            C("accepted_on", "AcceptedOn", "接受日期", DATE),
            C("version", "Version", "版本", INTEGER),
            C("file", "File", "文件"),
            C("collected_at", "CollectedAt", "收回时间"),
        ),
        help_en="Each rep's acceptance of the plan, read from returned workbooks by salesplan "
        "collect (append-only); Targets shows the latest as SignedOff.",
        help_zh="从收回的责任书中读取的销售对计划的确认（只追加），由 salesplan collect 写入；"
        "Targets 的“签收”列显示最近一次。",
    ),
    TableSpec(
        "tblScenarios",
        # not "Scenarios": that is the output sheet `salesplan scenarios` writes
        "ScenarioSettings",
        "scenarios",
        (
            C("scenario", "Scenario", "方案", TEXT, True, aliases=("方案名称", "情景")),
            C("setting", "Setting", "参数", TEXT, True, aliases=("设置项",)),
            C("value", "Value", "取值", TEXT, aliases=("值", "数值")),
        ),
        help_en="Optional what-if variants of tblSettings: each row sets one setting (any of "
        "tblSettings, typed as there) in a named scenario; a blank Value is the setting's "
        "default. salesplan scenarios shows every scenario beside the plan on the Scenarios "
        "sheet; salesplan decompose --scenario NAME adopts one.",
        help_zh="可选：参数设置的假设方案。每行在一个方案中设定一项参数（参数设置中的任一项，写法相同）；"
        "取值留空即为默认值。salesplan scenarios 在 Scenarios 工作表中把各方案与当前计划并列比较；"
        "salesplan decompose --scenario 方案名 采用其中一个方案。",
    ),
)
del C

BY_NAME = {t.name.lower(): t for t in TABLES}
BY_KEY = {t.key: t for t in TABLES}


def normalise_header(text: object) -> str:
    """Header matching ignores case, spaces (incl. full-width) and underscores; the engine
    matches tblActuals headers to funnel stages and KPIs with the same key."""
    return header_key(text)


def header_lookup(spec: TableSpec) -> dict[str, Column]:
    """Every accepted header of a table, normalised, mapped to its column."""
    lookup: dict[str, Column] = {}
    for col in spec.columns:
        for h in (col.key, col.en, col.zh, *col.aliases):
            lookup.setdefault(normalise_header(h), col)
    return lookup


def header(col: Column, locale: str) -> str:
    return col.en if locale == "en" else col.zh
