"""Every label salesplan writes into a workbook, in both locales (SPEC: zh-CN and en)."""

from __future__ import annotations

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
