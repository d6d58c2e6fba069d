"""The launch-review document in GitHub Flavored Markdown, compact enough for a PR comment.

The verdict, its reasons and what blocks it come first and are always visible; the full check
list and the effective settings sit in ``<details>`` so the comment stays short. Every string
from the scorecard goes through :mod:`readiness.report.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from readiness.model import (
    SCORED_GAPS,
    Gap,
    Result,
    Scorecard,
    Severity,
    Status,
    Timeline,
    Verdict,
)
from readiness.report.escape import md_code, md_text, plain

NOT_BLOCKING = "Not blocking: warnings and non-blocker failures"
VERDICT_LABEL = {
    Verdict.GO: "GO",
    Verdict.CONDITIONAL_GO: "CONDITIONAL GO",
    Verdict.NO_GO: "NO-GO",
    Verdict.NOTHING_DUE: "NOTHING DUE YET",
}


def verdict_label(sc: Scorecard) -> str:
    """The verdict as shown; a GO that only a baseline makes is not shown as a GO."""
    from readiness.scoring import known_blockers

    if sc.verdict is Verdict.GO and known_blockers(sc.results):
        return "NO NEW FINDINGS (baseline)"
    return VERDICT_LABEL[sc.verdict]


# GitHub renders these blockquotes as coloured alerts; elsewhere they are plain quotes.
_ALERT = {Verdict.GO: "TIP", Verdict.CONDITIONAL_GO: "WARNING", Verdict.NO_GO: "CAUTION",
          Verdict.NOTHING_DUE: "NOTE"}
_VERDICT_ICON = {Verdict.GO: "\u2705", Verdict.CONDITIONAL_GO: "\u26a0\ufe0f",
                 Verdict.NO_GO: "\u274c", Verdict.NOTHING_DUE: "\u23f3"}
STATUS_LABEL = {
    Status.PASS: "\u2705 pass",
    Status.FAIL: "\u274c fail",
    Status.WARN: "\u26a0\ufe0f warn",
    Status.ERROR: "\U0001f4a5 error",
    Status.NOT_APPLICABLE: "\u2796 n/a",
    Status.UPCOMING: "\u23f3 upcoming",
    Status.WAIVED: "\U0001f515 waived",
}
_MEETS = {True: "\u2705", False: "\u274c", None: "\u2014"}
PROBLEM_STATUSES = frozenset({Status.FAIL, Status.WARN, Status.ERROR})
EVIDENCE_SHOWN = 3  # per check; the rest are counted ("and N more")
BAR_WIDTH = 20
COMMENT_LIMIT = 60_000  # GitHub rejects comments over 65,536 characters
ROWS_WHEN_LONG = 25
NO_BLOCKERS = "None: every blocking check due by the gate passes or is waived."


def render(sc: Scorecard) -> str:
    """Render ``sc`` as a Markdown launch-review document.

    If the document would not fit a GitHub comment, the collapsed full check list and
    settings are left out (and say so); everything a reviewer must see stays.
    """
    text = ""
    for full, rows in ((True, None), (False, None), (False, ROWS_WHEN_LONG)):
        text = _document(sc, full, rows)
        if len(text) <= COMMENT_LIMIT:
            return text
    cut = text.rfind("\n", 0, COMMENT_LIMIT - 200)  # a last resort: cut at a line break
    return text[:cut] + "\n\n(truncated to fit a comment: see the HTML or JSON report)\n"


def _document(sc: Scorecard, full: bool, rows: int | None) -> str:
    omitted = [f"<sub>The full list of {len(sc.results)} checks is too long for a comment: "
               "see the HTML or JSON report.</sub>"]
    blocks: list[list[str]] = [
        _header(sc),
        _verdict(sc),
        _scores(sc),
        _problems(sc, rows),
        _waivers(sc),
        _upcoming(sc, rows),
        _next_actions(sc),
        _evals(sc.extras.get("evals")),
        _usage(sc.extras.get("usage")),
        *((_all_checks(sc), _settings(sc)) if full else (omitted,)),
        _notes(sc),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


def week_label(tl: Timeline) -> str:
    """``Week 12 of 16``, with the odd cases (no start date, before, after) named."""
    if tl.week is None:
        return "Week unknown (no pilot start date)"
    if tl.week < 1:
        return f"Before the pilot (starts {tl.pilot_start})"
    if tl.week > tl.total_weeks:
        return f"Week {tl.week} (past week {tl.total_weeks})"
    return f"Week {tl.week} of {tl.total_weeks}"


def week_line(sc: Scorecard) -> str:
    """``Week 12 of 16 · phase: …``"""
    phase = sc.timeline.phase
    return week_label(sc.timeline) + (f" · phase: {md_text(phase)}" if phase else "")


def _header(sc: Scorecard) -> list[str]:
    verdict = verdict_label(sc)
    gate = sc.gate
    judged = ("can it launch now" if gate.assessment == "launch"
              else f"is everything due by week {gate.horizon} done")
    commit = md_code(sc.commit[:12]) if sc.commit else "no commit"
    state = {True: " (dirty)", False: " (clean)", None: ""}[sc.dirty]
    return [
        f"## {_VERDICT_ICON[_shown(sc)]} {verdict} {md_text(gate.question)}"
        f" \u00b7 {md_text(sc.project_name, 120)}",
        "",
        f"**{week_line(sc)}** \u00b7 gate: {md_text(gate.label)} (week {gate.week}) \u00b7 "
        f"judged: {judged}",
        f"<sub>readiness {md_text(sc.tool_version, 40)} \u00b7 {md_code(sc.project_name)} @ "
        f"{commit}{state} \u00b7 {sc.timeline.date.isoformat()}</sub>",
    ]


def _shown(sc: Scorecard) -> Verdict:
    """The verdict whose colour is shown: known blockers are a warning, never a plain GO."""
    baseline_only = sc.verdict is Verdict.GO and verdict_label(sc) != VERDICT_LABEL[sc.verdict]
    return Verdict.CONDITIONAL_GO if baseline_only else sc.verdict


def _verdict(sc: Scorecard) -> list[str]:
    lines = [f"> [!{_ALERT[_shown(sc)]}]",
             f"> **{verdict_label(sc)}** {md_text(sc.gate.question)}"]
    lines += [f"> - {md_text(reason, 500)}" for reason in sc.reasons]
    return lines


def score_bar(score: int | None) -> str:
    """A 20-cell text bar: ``████░░…``."""
    if score is None:
        return "\u2591" * BAR_WIDTH
    filled = round(max(0, min(100, score)) * BAR_WIDTH / 100)
    return "\u2588" * filled + "\u2591" * (BAR_WIDTH - filled)


def weakest_gaps(scores: dict[str, int | None]) -> set[str]:
    """The scored gaps whose score equals the minimum (the overall score)."""
    known = {g.value: scores.get(g.value) for g in SCORED_GAPS}
    values = [v for v in known.values() if v is not None]
    if not values:
        return set()
    low = min(values)
    return {name for name, v in known.items() if v == low}


def _scores(sc: Scorecard) -> list[str]:
    weakest = weakest_gaps(sc.scores)
    lines = ["| Gap | Score | |", "|---|--:|---|"]
    for gap in SCORED_GAPS:
        score = sc.scores.get(gap.value)
        mark = " \u25c0 weakest" if gap.value in weakest else ""
        lines.append(f"| {gap.value.capitalize()} | {_score(score)} | "
                     f"{score_bar(score)}{mark} |")
    overall = sc.scores.get("overall")
    lines.append(f"| **Overall** | **{_score(overall)}** | = the weakest gap |")
    return lines


def _score(score: int | None) -> str:
    return "n/a" if score is None else str(score)


def _owner(result: Result) -> str:
    owner = result.owner or (result.waiver.owner if result.waiver else None)
    return md_text(owner, 80) if owner else "_unassigned_"


def due_text(result: Result) -> str:
    """``w6`` plus how overdue, if it is."""
    text = f"w{result.due_week}"
    if result.overdue_weeks > 0:
        weeks = "week" if result.overdue_weeks == 1 else "weeks"
        text += f" (overdue {result.overdue_weeks} {weeks})"
    return text


def _status(result: Result) -> str:
    label = STATUS_LABEL[result.status]
    if result.status is Status.PASS and result.credit is not None:
        label += f" ({result.credit.value})"
    elif result.status in (Status.WAIVED, Status.UPCOMING) and result.observed is not None:
        label += f" (now {result.observed.value})"
    return label


def _evidence(result: Result, shown: int = EVIDENCE_SHOWN) -> str:
    items = [md_code(str(e)) + (f" {md_text(e.note, 120)}" if e.note else "")
             for e in result.evidence[:shown]]
    hidden = len(result.evidence) - shown
    if hidden > 0:
        items.append(f"and {hidden} more")
    return ", ".join(items)


def _finding(result: Result) -> str:
    parts = [md_text(result.message), _evidence(result),
             f"**Fix:** {md_text(result.remediation)}"]
    return "<br>".join(part for part in parts if part)


def _check(result: Result) -> str:
    return f"{md_code(result.code, 40)} {md_text(result.name, 80)}"


def _problems(sc: Scorecard, limit: int | None = None) -> list[str]:
    due = [r for r in sc.results if r.due and r.status in PROBLEM_STATUSES]
    blockers = [r for r in due if r.severity is Severity.BLOCKER
                and r.status in (Status.FAIL, Status.ERROR)]
    others = [r for r in due if r not in blockers]
    lines = ["### Blockers", "", NO_BLOCKERS] if not blockers else []
    for title, rows in (("Blockers", blockers), (NOT_BLOCKING, others)):
        if not rows:
            continue
        if lines:
            lines.append("")
        lines += [f"### {title} ({len(rows)})", "",
                  "| Check | Severity | Status | Due | Owner | Finding |",
                  "|---|---|---|---|---|---|"]
        shown = _by_due(rows)[:limit]
        lines += [f"| {_check(r)} | {r.severity.value} | {_status(r)} | {due_text(r)} | "
                  f"{_owner(r)} | {_finding(r)} |" for r in shown]
        if len(shown) < len(rows):
            lines += ["", f"and {len(rows) - len(shown)} more: see the HTML or JSON report."]
    return lines


def _by_due(results: Iterable[Result]) -> list[Result]:
    """Blockers first, then by due week; the scorecard's order breaks ties."""
    return sorted(results, key=lambda r: (-r.severity.weight, r.due_week))


def _waivers(sc: Scorecard) -> list[str]:
    if not sc.waivers:
        return []
    lines = [f"### Waivers in force ({len(sc.waivers)})", "",
             "| Check | Owner | Expires | Reason |", "|---|---|---|---|"]
    lines += [f"| {md_text(w.check, 80)} | {md_text(w.owner, 80)} | {w.expires.isoformat()} | "
              f"{md_text(w.reason)} |" for w in sc.waivers]
    return lines


def _upcoming(sc: Scorecard, limit: int | None = None) -> list[str]:
    rows = sorted((r for r in sc.results if r.status is Status.UPCOMING),
                  key=lambda r: r.due_week)
    if not rows:
        return []
    lines = [f"### Upcoming ({len(rows)})", ""]
    lines += [f"- w{r.due_week} \u00b7 {_check(r)}: {md_text(r.message)}" for r in rows[:limit]]
    if limit is not None and len(rows) > limit:
        lines.append(f"- and {len(rows) - limit} more")
    return lines


def _next_actions(sc: Scorecard) -> list[str]:
    if not sc.next_actions:
        return []
    lines = ["### Next actions", ""]
    lines += [f"{i}. {md_text(action, 500)}" for i, action in enumerate(sc.next_actions, 1)]
    return lines


def pct(value: Any) -> str:
    """``0.912`` → ``91.2%``; anything that is not a number is shown as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.1f}%"
    return md_text(plain(value), 40)


def meets_minimum(workflow: dict[str, Any]) -> bool | None:
    """Whether the accuracy (by the workflow's rule) meets its minimum; None if unknown."""
    minimum = workflow.get("min_accuracy")
    basis = (workflow.get("accuracy") if workflow.get("rule") == "point_estimate"
             else workflow.get("wilson_low"))
    if not isinstance(minimum, int | float) or not isinstance(basis, int | float):
        return None
    return basis >= minimum


def _ci(row: dict[str, Any]) -> str:
    return f"{pct(row.get('wilson_low'))}\u2013{pct(row.get('wilson_high'))}"


def _evals(evals: Any) -> list[str]:
    workflows = evals.get("workflows") if isinstance(evals, dict) else None
    if not isinstance(workflows, list) or not workflows:
        return []
    lines = ["### Eval accuracy", "",
             "| Workflow | n | Accuracy | 95% CI | Minimum | Rule | Meets |",
             "|---|--:|--:|--:|--:|---|---|"]
    for wf in _dicts(workflows):
        rule = str(wf.get("rule", "lower_bound")).replace("_", " ")
        lines.append(f"| {md_text(plain(wf.get('name')), 80)} | {_num(wf.get('n'))} | "
                     f"{pct(wf.get('accuracy'))} | {_ci(wf)} | "
                     f"{pct(wf.get('min_accuracy')) if wf.get('min_accuracy') is not None else '—'}"
                     f" | {md_text(rule, 40)} | {_MEETS[meets_minimum(wf)]} |")
    rows = [(wf, cat) for wf in _dicts(workflows) for cat in _dicts(wf.get("by_category", []))]
    if rows:
        lines += ["", "#### By category", "",
                  "| Workflow | Category | n | Accuracy | 95% CI | Errors |",
                  "|---|---|--:|--:|--:|--:|"]
        for wf in _dicts(workflows):
            cats = _dicts(wf.get("by_category", []))
            low = weakest_category(cats)
            for cat in cats:
                mark = " \u25c0 weakest" if cat is low and len(cats) > 1 else ""
                lines.append(
                    f"| {md_text(plain(wf.get('name')), 80)} | "
                    f"{md_text(plain(cat.get('category')), 80)}{mark} | {_num(cat.get('n'))} | "
                    f"{pct(cat.get('accuracy'))} | {_ci(cat)} | {_num(cat.get('errors'))} |")
    return lines


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _num(value: Any) -> str:
    return md_text(plain(value), 20)


def weakest_category(cats: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The category with the lowest accuracy (first in order on a tie), if any has one."""
    scored = [c for c in cats if isinstance(c.get("accuracy"), int | float)]
    return min(scored, key=lambda c: c["accuracy"]) if scored else None


def _usage(usage: Any) -> list[str]:
    if not isinstance(usage, dict) or not usage:
        return []
    lines = ["### Pilot usage", "", "| Metric | Value |", "|---|---|"]
    lines += [f"| {md_text(plain(k), 80)} | {md_text(plain(v), 200)} |" for k, v in usage.items()]
    return lines


def _all_checks(sc: Scorecard) -> list[str]:
    lines = ["<details>", f"<summary>All {len(sc.results)} checks</summary>"]
    for gap in Gap:
        rows = sc.results_by_gap(gap)
        if not rows:
            continue
        lines += ["", f"#### {gap.value.capitalize()}", "",
                  "| Check | Severity | Due | Status | Message | Evidence |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {_check(r)} | {r.severity.value} | {due_text(r)} | {_status(r)} | "
                  f"{md_text(r.message)} | {_evidence(r) or '—'} |" for r in rows]
    return [*lines, "", "</details>"]


def _settings(sc: Scorecard) -> list[str]:
    if not sc.settings:
        return []
    lines = ["<details>", f"<summary>Effective settings ({len(sc.settings)})</summary>", "",
             "| Setting | Value | From |", "|---|---|---|"]
    lines += [f"| {md_code(plain(key), 80)} | {md_text(plain(value), 200)} | "
              f"{md_text(plain(source), 120)} |" for key, value, source in sc.settings]
    return [*lines, "", "</details>"]


def _notes(sc: Scorecard) -> list[str]:
    items = [*sc.notes, *sc.hints]
    if not items:
        return []
    return ["### Notes", "", *(f"- {md_text(item, 500)}" for item in items)]
