"""Every label salesplan writes into a workbook, in both locales (SPEC: zh-CN and en)."""

from __future__ import annotations

from engine.commission import POOL_RULE

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
    # engine/tracking.py reasons
    "visits below plan": ("visits below plan", "拜访量低于计划"),
    "visits on plan, conversion low": ("visits on plan, conversion low", "拜访达标，转化率偏低"),
    "deal size low": ("deal size low", "客单价偏低"),
    "no funnel to compare": ("no funnel to compare", "无漏斗数据可比"),
    "no activity to compare": ("no activity to compare", "无活动数据可比"),
    # reconciliation checks (engine/reconcile.py)
    "team": ("team", "团队"),
    "team = Σ regions + unallocated": ("team = Σ regions + unallocated", "团队 = Σ 区域 + 未分配"),
    "region = Σ its reps": ("region = Σ its reps", "区域 = Σ 本区销售"),
    "product = Σ reps' product parts": (
        "product = Σ reps' product parts",
        "产品线 = Σ 销售的产品目标",
    ),
    "customer type = Σ reps' parts": (
        "customer type = Σ reps' parts",
        "客户类型 = Σ 销售的客户类型目标",
    ),
    "rep = Σ its breakdown": ("rep = Σ its breakdown", "销售 = Σ 其分解"),
    "rep = Σ its weekly plan": ("rep = Σ its weekly plan", "销售 = Σ 其周计划"),
    "rep = Σ its monthly plan": ("rep = Σ its monthly plan", "销售 = Σ 其月计划"),
    "team floor = Σ reps' floor": ("team floor = Σ reps' floor", "团队保底 = Σ 销售保底"),
    "team target = Σ reps' target": ("team target = Σ reps' target", "团队目标 = Σ 销售目标"),
    "team challenge = Σ reps' challenge": (
        "team challenge = Σ reps' challenge",
        "团队挑战 = Σ 销售挑战",
    ),
}


def label(key: str, locale: str) -> str:
    en, zh = LABELS.get(key, (key, key))
    return en if locale == "en" else zh
