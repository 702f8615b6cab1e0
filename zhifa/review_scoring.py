"""Review scores and grades, the same rule the warehouse applies in marts.fct_dossier_quality (macro
``dossier_grade``; tests/test_review_scoring.py holds the two to the same answers).

Score = total points (setting ``review_total_points``) minus the deductions, never below zero. A failed veto
item (一票否决) makes the grade 不合格 whatever the points. Grade cut-offs are the settings
``grade_excellent_min`` and ``grade_pass_min`` in force for the case's province and date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

EXCELLENT = "优秀"
PASS = "合格"
FAIL = "不合格"


def score_after(deductions: Iterable[float], settings: Mapping[str, float | str]) -> float:
    total = float(settings["review_total_points"])
    return round(max(total - sum(float(d) for d in deductions), 0.0), 2)


def grade_for(score: float, veto: bool, settings: Mapping[str, float | str]) -> str:
    if veto:
        return FAIL
    if score >= float(settings["grade_excellent_min"]):
        return EXCELLENT
    if score >= float(settings["grade_pass_min"]):
        return PASS
    return FAIL


def final_score(
    human_scores: Iterable[float], arbitration_score: float | None, machine_score: float | None
) -> tuple[float | None, str]:
    """The score that counts and the rule that chose it: the arbitration review if there is one, else the
    mean of the human reviews, else the machine review (``(None, "none")`` when nothing is scored)."""
    if arbitration_score is not None:
        return round(float(arbitration_score), 2), "arbitration"
    humans = [float(s) for s in human_scores]
    if humans:
        return round(sum(humans) / len(humans), 2), "human_mean" if len(humans) > 1 else "human"
    if machine_score is not None:
        return round(float(machine_score), 2), "machine"
    return None, "none"
