"""Every label salesplan writes into a workbook, in both locales (SPEC: zh-CN and en)."""

from __future__ import annotations

from engine.commission import POOL_RULE
from engine.kpi import PHASE_RULE, SCORE_RULE
from engine.tracking import AMBER, GREEN, NO_REPORT, RED

LABELS: dict[str, tuple[str, str]] = {
    # sheets
    "Targets": ("Targets", "目标"),
    "Breakdown": ("Breakdown", "分解"),
    "Phasing": ("Phasing", "节奏"),
    "Reconciliation": ("Reconciliation", "核对"),
    "Readme": ("Readme", "说明"),
    # columns of output tables
    "rep_id": ("RepID", "销售编号"),
    "name": ("Name", "姓名"),
    "region": ("Region", "区域"),
    "level": ("Level", "职级"),
    "territory": ("Territory", "片区类型"),
    "active_weeks": ("ActiveWeeks", "有效周数"),
    "history_rate": ("HistoryPerWeek", "历史周均"),
    "capability": ("Capability", "能力系数"),
    "resource": ("Resource", "资源系数"),
    "locked": ("Locked", "锁定"),
    "floor": ("Floor", "保底"),
    "target": ("Target", "目标"),
    "challenge": ("Challenge", "挑战"),
    "original_target": ("OriginalTarget", "原目标"),
    "product": ("Product", "产品线"),
    "customer_type": ("CustomerType", "客户类型"),
    "check": ("Check", "核对项"),
    "scope": ("Scope", "范围"),
    "expected": ("Expected", "应为"),
    "actual": ("Actual", "实际"),
    "difference": ("Difference", "差额"),
    "weight": ("Weight", "权重"),
    "reps": ("Reps", "人数"),
    "capacity": ("Capacity", "产能"),
    "gap": ("Gap", "缺口"),
    "extra_headcount": ("ExtraHeadcount", "需增编人数"),
    "note": ("Note", "说明"),
    "item": ("Item", "项目"),
    "value": ("Value", "数值"),
    "how": ("How it was reached", "由来"),
    "team_target_title": ("The team target and how it was reached", "团队目标及其由来"),
    "share": ("Share", "占比"),
    "stage": ("Stage", "生命周期"),
    "table": ("Table", "表"),
    "sheet": ("Sheet", "工作表"),
    "column": ("Column", "列"),
    "required": ("Required", "必填"),
    "meaning": ("Meaning", "含义"),
    "yes": ("yes", "是"),
    "Tracking": ("Tracking", "跟踪"),
    "Commission": ("Commission", "提成"),
    "week": ("Week", "周次"),
    "to_date": ("ToDate", "累计完成"),
    "plan_to_date": ("PlanToDate", "计划进度"),
    "floor_to_date": ("FloorToDate", "保底进度"),
    "pace": ("Pace", "达成率"),
    "status": ("Status", "状态"),
    "last_report": ("LastReport", "最近报告周"),
    # a status as a cell shows it, in the plan's words (the responsibility workbook's formulas
    # write the same words)
    RED: ("RED", "红"),
    AMBER: ("AMBER", "黄"),
    GREEN: ("GREEN", "绿"),
    NO_REPORT: ("NO REPORT", "未报告"),
    "reason": ("Reason", "原因"),
    "remaining": ("Remaining", "剩余目标"),
    "sales": ("Sales", "销售额"),
    "tier": ("Tier", "档位"),
    "rate": ("Rate", "提成比例"),
    "commission": ("Commission", "提成"),
    "pool_share": ("PoolShare", "团队奖池分成"),
    "next_tier": ("NextTier", "下一档"),
    "to_next_tier": ("ToNextTier", "距下一档"),
    "commission_at_next_tier": ("CommissionAtNextTier", "下一档提成"),
    "from": ("From", "起"),
    "to": ("To", "止"),
    "amount": ("Amount", "金额"),
    "statement": ("Commission statement, band by band", "提成计算明细（分段）"),
    "pool": ("Team pool", "团队奖池"),
    "CommissionMode": ("Commission mode", "提成方式"),
    "retroactive": (
        "retroactive (all sales at the rate of the tier reached)",
        "全额累进（全部销售额按达到档位的比例）",
    ),
    "marginal": ("marginal (each band at its own rate)", "超额分段（各段按各自比例）"),
    "cap": ("cap", "封顶"),
    POOL_RULE: (
        POOL_RULE,
        "团队奖池 = 奖池比例 × Σ 每位销售超过（奖池门槛 × 个人目标）的销售额（未超过者计 0），"
        "只在最后四舍五入到分一次。奖池按销售额占比分给全体销售，各份按最大余数法取整到分，合计与奖池分毫不差。",
    ),
    # KPI scorecard (engine/kpi.py)
    "kpi": ("KPI", "考核指标"),
    "unit": ("Unit", "单位"),
    "achievement": ("Achievement", "达成率"),
    "points": ("Points", "得分"),
    "kpi_score": ("KPIScore", "KPI得分"),
    "target_to_date": ("TargetToDate", "进度目标"),
    "scorecard": ("KPI scorecard", "KPI 考核"),
    SCORE_RULE: (
        SCORE_RULE,
        "得分 = Σ 权重占比 × 达成率（实际 ÷ 目标），每项指标以挑战值封顶（无挑战值时以目标封顶）；"
        "权重占比 = 该指标权重 ÷ 已计量指标的权重之和；100% = 各项指标恰好达到目标。",
    ),
    PHASE_RULE: (
        PHASE_RULE,
        "进度目标与销售目标按同一节奏分摊：计数类指标的保底、目标、挑战进度目标 = 全期目标 × "
        "该销售截至跟踪周的计划 ÷ 其全期计划；比率类指标（单位含 %）不分摊。达成率与档位按进度目标计算。",
    ),
    # the responsibility workbook (repbook/render.py)
    "letter": ("Target responsibility letter", "目标责任书"),
    "Cover": ("Letter", "责任书"),
    "Plan": ("Plan", "周计划"),
    "Actuals": ("Actuals", "实际完成"),
    "period": ("Period", "考核期"),
    "weeks": ("weeks", "周"),
    "version": ("plan version", "计划版本"),
    "manager": ("Manager", "主管"),
    "your_targets": ("Your targets for the period", "本期目标"),
    "kpi_goals": ("KPI goals", "考核指标"),
    "commission_terms": ("Commission", "提成方案"),
    "acceptance": (
        "I have read the targets, the weekly plan and the commission terms above and accept "
        "them as my targets for the period.",
        "本人已阅读并认可上述目标、周计划及提成方案，作为本考核期的目标责任。",
    ),
    "rep_signature": ("Rep's signature", "销售签字"),
    "manager_signature": ("Manager's signature", "主管签字"),
    "date": ("Date", "日期"),
    "weekly_plan": ("Weekly plan", "周计划"),
    "week_start": ("WeekStart", "周起始日"),
    "month": ("Month", "月份"),
    "plan": ("Plan", "计划"),
    "cumulative_plan": ("CumulativePlan", "累计计划"),
    "floor_plan": ("FloorPlan", "保底计划"),
    "actuals_title": ("Actuals and progress", "实际完成与进度"),
    "actuals_hint": (
        "Type each week's numbers in the yellow cells; everything else follows.",
        "请在黄色单元格中填写每周实际数据，其余各项自动计算。",
    ),
    "visits": ("Visits", "拜访"),
    "demos": ("Demos", "演示"),
    "deals": ("Deals", "成交"),
    "new_customers": ("NewCustomers", "新客户"),
    "cumulative_actual": ("CumulativeActual", "累计实际"),
    "terms": ("Terms", "考核参数"),
    "floor_rate": ("Floor rate", "保底提成比例"),
    "target_rate": ("Target rate", "目标提成比例"),
    "challenge_rate": ("Challenge rate", "挑战提成比例"),
    "RedBelow": ("Red below (× floor to date)", "红灯线（× 保底进度）"),
    "progress": ("Progress", "进度"),
    "latest_week": ("LatestWeek", "最新周次"),
    "no_negative": ("Type 0 or more.", "请输入 0 或正数。"),
    "plan_vs_actual": ("Cumulative plan vs actual", "累计计划与实际"),
    # the region roll-up (repbook/rollup.py)
    "total": ("Total", "合计"),
    # Dashboard
    "Dashboard": ("Dashboard", "看板"),
    "completion": ("Completion", "目标完成率"),
    "rank": ("Rank", "排名"),
    "count": ("Count", "人数"),
    "red": ("Red", "红灯"),
    "amber": ("Amber", "黄灯"),
    "green": ("Green", "绿灯"),
    "no_report": ("No report", "未报告"),
    "team_and_regions": ("Team and regions against plan", "团队与区域：实际对计划"),
    "status_counts": ("Status counts", "状态分布"),
    "ranking": ("Ranking by pace (actual ÷ plan to date)", "排名（按达成率：累计完成 ÷ 计划进度）"),
    "top_performer": ("Top performer", "本期最佳"),
    "cumulative": ("Cumulative plan and actual by week", "按周累计：计划与实际"),
    "plan_cumulative": ("plan", "计划"),
    "actual_cumulative": ("actual", "实际"),
    "cumulative_chart": ("{scope}: cumulative plan vs actual", "{scope}：累计计划与实际"),
    # engine/tracking.py reasons
    "visits below plan": ("visits below plan", "拜访量低于计划"),
    "visits on plan, conversion low": ("visits on plan, conversion low", "拜访达标，转化率偏低"),
    "deal size low": ("deal size low", "客单价偏低"),
    "no funnel to compare": ("no funnel to compare", "无漏斗数据可比"),
    "no activity to compare": ("no activity to compare", "无活动数据可比"),
    # the team, on the Dashboard
    "team": ("team", "团队"),
    # the title row above each output sheet's main table (and a sub-table's own title)
    "targets_title": ("Targets by rep", "分解目标"),
    "region_targets_title": ("Targets by region", "区域目标"),
    "breakdown_title": (
        "Targets by rep, product line and customer type",
        "目标分解：销售 × 产品线 × 客户类型",
    ),
    "reconciliation_title": ("Every total checked to the last unit", "核对：各级合计逐项核对"),
    "tracking_title": ("Progress by rep, to the tracked week", "进度跟踪：截至跟踪周"),
    "commission_title": ("Commission earned to date", "截至目前的提成"),
}


def label(key: str, locale: str) -> str:
    en, zh = LABELS.get(key, (key, key))
    return en if locale == "en" else zh


def status_label(status: str, locale: str) -> str:
    """A tracking status as a cell shows it: RED, AMBER, GREEN, NO REPORT or 红, 黄, 绿, 未报告."""
    return label(status, locale)
