"""salesplan's engine: pure computation on plain data; no Excel library is imported here."""

from engine.decompose import decompose
from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import PlanError, Problem
from engine.settings import Settings

__all__ = ["Decomposition", "Plan", "PlanError", "Problem", "Settings", "decompose"]
