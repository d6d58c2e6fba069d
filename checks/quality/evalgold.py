"""Gold sets in the quality checks: with no eval results, the labelled inputs a team keeps are
judged for sample size and edge cases (per workflow, distinct inputs), and the accuracy
checks say that accuracy cannot be judged without results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from readiness.config import Config
from readiness.evals.evalset import Gold
from readiness.evals.gold import GoldGroup
from readiness.model import Credit, Evidence, Finding, failed, passed, warned

DEFAULT_EDGE_TAGS = ("edge_case", "edge-case", "edge")
NO_ACCURACY = "no outcomes, so accuracy cannot be judged: run the set and keep the results"


def evidence(gold: Gold) -> list[Evidence]:
    """Each gold file, with its size and the harness line that names it."""
    out = []
    for found in gold.files:
        note = f"gold set, {len(found.rows)} labelled rows"
        if found.named_by:
            note += f", named by {found.named_by}"
        out.append(Evidence(found.path, None, note))
    return out


def summary(gold: Gold) -> str:
    """``gold set evals/gold.jsonl`` (or the first three of several) for the messages."""
    paths = [f.path for f in gold.files]
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return f"gold set{'s' if len(paths) > 1 else ''} {shown}"


def no_results(gold: Gold) -> str:
    """The accuracy checks' message when only gold sets exist."""
    total = sum(g.distinct for g in gold.groups)
    return (f"no eval results: {summary(gold)} ({total} labelled inputs) "
            f"{'have' if len(gold.files) > 1 else 'has'} {NO_ACCURACY}")


def _spec(config: Config, group: GoldGroup) -> Mapping[str, Any]:
    return next((w for w in config.get("workflows", []) if w.get("name") == group.workflow), {})


def _label(group: GoldGroup) -> str:
    if group.workflow:
        return group.workflow
    return group.files[0] if len(group.files) == 1 else "gold sets without a workflow"


def _duplicates(gold: Gold) -> str:
    repeated = [f"{_label(g)} {g.rows} rows hold {g.distinct} distinct inputs"
                for g in gold.groups if g.duplicates]
    return f"; duplicates inflate the rows: {', '.join(repeated)}" if repeated else ""


def sample_size(config: Config, gold: Gold) -> Finding:
    """eval-sample-size on gold sets: distinct inputs per workflow against min_examples."""
    short: list[str] = []
    fine: list[str] = []
    for group in gold.groups:
        spec = _spec(config, group)
        need = int(spec.get("min_examples") or config.threshold("min_examples") or 500)
        (short if group.distinct < need else fine).append(
            f"{_label(group)} {group.distinct}/{need}")
    tail = f" distinct inputs in {summary(gold)}{_duplicates(gold)}; {NO_ACCURACY}"
    if short:
        return failed(f"too few examples: {', '.join(short)}{tail}", *evidence(gold))
    return passed(f"enough examples: {', '.join(fine)}{tail}", *evidence(gold))


def edge_cases(config: Config, gold: Gold) -> Finding:
    """eval-edge-cases on gold sets: distinct inputs tagged as edge cases, per workflow."""
    counted: list[tuple[str, int, int]] = []
    for group in gold.groups:
        spec = _spec(config, group)
        tags = list(spec.get("edge_case_tags") or DEFAULT_EDGE_TAGS)
        need = int(spec.get("min_per_category") or config.threshold("min_per_category") or 30)
        count = group.edge_cases(frozenset(t.lower() for t in tags))
        counted.append((f"{_label(group)} {count} tagged {'/'.join(tags)}", count, need))
    return edge_verdict(counted, evidence(gold), f" in {summary(gold)}")


def edge_verdict(counted: Iterable[tuple[str, int, int]], cited: Sequence[Evidence],
                 tail: str = "") -> Finding:
    """eval-edge-cases' verdict from each workflow's (description, count, needed), whether
    counted in eval results or in a gold set: fail when one has none, warn when one has
    fewer than needed."""
    missing: list[str] = []
    thin: list[str] = []
    fine: list[str] = []
    for text, count, need in counted:
        (missing if count == 0 else thin if count < need else fine).append(text)
    if missing:
        return failed(f"no edge cases: {'; '.join(missing)}{tail}", *cited)
    if thin:
        return warned(f"few edge cases: {'; '.join(thin)}{tail}", *cited,
                      credit=Credit.ENFORCED)
    return passed(f"edge cases present: {'; '.join(fine)}{tail}", *cited)
