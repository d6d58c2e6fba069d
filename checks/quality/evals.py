"""Quality checks over eval results: agreed thresholds, enough real examples, edge cases,
accuracy overall and by category. All read the per-workflow results computed once a run."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from readiness.checks.infrastructure.callsites import uses_llm

from readiness.config import Config
from readiness.evals import Stats, evalset
from readiness.evals.evalset import WorkflowEvals, describe, measured, percent
from readiness.evals.gold import tag_matches
from readiness.model import (
    Credit,
    Evidence,
    Finding,
    Gap,
    Status,
    check,
    failed,
    not_applicable,
    passed,
    warned,
)
from readiness.project import Project
from readiness.project.llmusage import NO_LLM

from . import evalgold

NOTHING = ("no eval results found, and no gold set (inputs with expected outputs): list them "
           "under workflows[].evals in readiness.yaml or keep them in evals/ (promptfoo, "
           "Inspect, DeepEval, lm-eval, OpenAI evals, CSV/JSONL)")


def _flows(project: Project, config: Config) -> tuple[WorkflowEvals, ...]:
    return evalset.for_project(project, config)


def _files(flows: Iterable[WorkflowEvals]) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    for flow in flows:
        for rel in flow.files:
            seen.setdefault(rel, Evidence(rel))
    return list(seen.values())


def _unreadable(flows: Iterable[WorkflowEvals], config: Config) -> Finding | None:
    """A configured eval path that matches nothing, or a file that cannot be read."""
    for flow in flows:
        for key in flow.unmatched:
            line = config.evidence(key)
            return failed(f"eval path {config.get(key)!r} of workflow {flow.name} matches no "
                          "file in the repository: fix the path in readiness.yaml (or run "
                          "the evals that write it)", *([line] if line else []))
    for flow in flows:
        if flow.error is not None:
            where = [Evidence(flow.error.path, flow.error.line)] if flow.error.path else []
            return failed(f"eval results of {flow.name} cannot be read: {flow.error}", *where)
    return None


def _judged(project: Project, config: Config) -> list[WorkflowEvals] | Finding:
    """The workflows with results, or the finding that says why none can be judged."""
    flows = _flows(project, config)
    if (problem := _unreadable(flows, config)) is not None:
        return problem
    judged = [f for f in flows if f.summary is not None]
    return judged or _no_results(project, config, flows)


def _no_results(project: Project, config: Config, flows: tuple[WorkflowEvals, ...]) -> Finding:
    """Nothing to measure accuracy on: name the gold sets that lack results, if any."""
    if not uses_llm(project) and not config.get("workflows") and not any(f.files for f in flows):
        return not_applicable(f"{NO_LLM}, and no eval results")
    gold = evalset.gold(project, flows)
    if gold.files:
        return failed(evalgold.no_results(gold), *evalgold.evidence(gold))
    names = [f.name for f in flows if f.configured]
    return failed(f"no eval results for {', '.join(names)}" if names else NOTHING)


def _gold_or_none(project: Project, config: Config, flows: tuple[WorkflowEvals, ...],
                  judge: Callable[[Config, evalset.Gold], Finding]) -> Finding:
    """With no results anywhere: the gold sets judged by ``judge``, or why nothing is judged."""
    if uses_llm(project) or config.get("workflows") or any(f.files for f in flows):
        gold = evalset.gold(project, flows)
        if gold.files:
            return judge(config, gold)
    return _no_results(project, config, flows)


def _min_per_category(config: Config, flow: WorkflowEvals) -> int:
    return int(flow.spec.get("min_per_category") or config.threshold("min_per_category") or 30)


def _label(flow: WorkflowEvals) -> str:
    return "discovered results" if not flow.configured else flow.name


def _confidence(config: Config) -> float:
    return float(config.threshold("confidence") or 0.95)


@check(code="QUA001", gap=Gap.QUALITY,
       title="Does every workflow have a minimum accuracy agreed with its users?",
       remediation="For each workflow, agree the minimum acceptable accuracy with the people "
                   "who use its output and record it as min_accuracy and agreed_with in "
                   "readiness.yaml.")
def accuracy_thresholds(project: Project, config: Config) -> Finding:
    """What it checks:
    readiness.yaml lists the workflows, and each has a `min_accuracy` and `agreed_with`
    (the users, by name or team; `agreed_in` may point at the record of the agreement).

    Why it matters:
    "Accurate enough" depends on the workflow: 99% where nobody reviews the output, 80%
    where a person checks every result anyway. Only the users can say which; a threshold
    set by the builders alone will be argued about after launch.

    How to fix:
    Meet each workflow's users, agree the minimum accuracy and whether a person reviews
    the output, and write it down under `workflows:`.
    """
    flows = config.get("workflows", [])
    if not flows:
        found = [f for f in _flows(project, config) if f.files]
        if not found and not uses_llm(project):
            return not_applicable(f"{NO_LLM}, and no eval results")
        hint = f" ({len(found[0].files)} eval files found, no threshold agreed yet)" \
            if found else ""
        return failed(f"no workflows in readiness.yaml{hint}")
    no_min = [w["name"] for w in flows if w.get("min_accuracy") is None]
    no_users = [w["name"] for w in flows
                if w.get("min_accuracy") is not None and not w.get("agreed_with")]
    where = [e for i in range(len(flows))
             if (e := config.evidence(f"workflows.{i}.min_accuracy")) is not None]
    if no_min:
        return failed(f"no min_accuracy for {', '.join(no_min)}", *where)
    if no_users:
        return warned(f"min_accuracy of {', '.join(no_users)} is agreed with nobody named "
                      "(agreed_with)", *where, credit=Credit.CLAIMED)
    missing = [w["agreed_in"] for w in flows if w.get("agreed_in")
               and not project.exists(w["agreed_in"])]
    if missing:
        return failed(f"agreed_in points at {missing[0]}, which does not exist", *where)
    shown = "; ".join(f"{w['name']} {percent(w['min_accuracy'])} with "
                      f"{', '.join(w['agreed_with'])}" for w in flows)
    return passed(f"thresholds agreed: {shown}", *where, credit=Credit.DOCUMENTED)


@check(code="QUA002", gap=Gap.QUALITY,
       title="Is each workflow tested on enough real examples?",
       remediation="Grow each workflow's eval set to at least thresholds.min_examples (500) "
                   "real, production-like examples, not hand-picked ones.")
def eval_sample_size(project: Project, config: Config) -> Finding:
    """What it checks:
    Each workflow's eval results hold at least `min_examples` examples (the workflow's own
    setting, else `thresholds.min_examples`, 500 in the base profile). Without workflows
    in readiness.yaml, the results found in evals/ or eval/ folders are judged as one set,
    split by their workflow (or task) column if they have one; a category never splits.
    Without any results, the gold sets the team keeps count: labelled inputs with expected
    outputs in evals/, datasets/, golden/, tests/data and the like, or named by a harness
    (promptfoo `tests:`, Inspect `json_dataset`/`csv_dataset`, DeepEval
    `add_test_cases_from_json_file`, a scoring script's `default=` path). Distinct inputs
    are counted, not rows. A configured eval path that matches no file is a finding that
    names its readiness.yaml line. Not applicable when the code calls no model and there
    are no evals and no workflows.

    Why it matters:
    95% on 50 cherry-picked examples says little: its 95% interval spans roughly 87-98%,
    and the messy cases production brings are not in it.

    How to fix:
    Sample real inputs from the pilot (with the users' help to label them) until each
    workflow has the minimum, and keep them in the eval set.
    """
    flows = _flows(project, config)
    if (problem := _unreadable(flows, config)) is not None:
        return problem
    if not any(f.summary is not None for f in flows):
        return _gold_or_none(project, config, flows, evalgold.sample_size)
    short: list[str] = []
    fine: list[str] = []
    for flow in flows:
        need = int(flow.spec.get("min_examples") or config.threshold("min_examples") or 500)
        for label, n in _per_workflow(flow):
            (short if n < need else fine).append(f"{label} {n}/{need}")
    if short:
        return failed(f"too few examples: {', '.join(short)}", *_files(flows))
    return passed(f"enough examples: {', '.join(fine)}", *_files(flows))


def _per_workflow(flow: WorkflowEvals) -> list[tuple[str, int]]:
    """The flow's example count, split by the results' workflow field when it has one (a
    category never splits: it is a slice of one workflow's set)."""
    if flow.summary is None:
        return [(_label(flow), 0)]
    split = flow.summary.by_workflow
    if not split or (flow.configured and list(split) == [flow.name]):
        return [(_label(flow), flow.summary.overall.n)]
    out = [(name if not flow.configured or name == flow.name else f"{flow.name}/{name}",
            part.overall.n) for name, part in split.items()]
    rest = flow.summary.overall.n - sum(part.overall.n for part in split.values())
    return out + ([(f"{_label(flow)} without a workflow", rest)] if rest else [])


def _edge_tags(config: Config, flow: WorkflowEvals) -> list[str]:
    return list(flow.spec.get("edge_case_tags") or evalgold.DEFAULT_EDGE_TAGS)


@check(code="QUA003", gap=Gap.QUALITY,
       title="Are edge cases deliberately included and tagged in the eval set?",
       remediation="Add the hard cases on purpose (odd layouts, missing fields, other "
                   "languages, bad scans) and tag them, listing the tags in edge_case_tags.")
def eval_edge_cases(project: Project, config: Config) -> Finding:
    """What it checks:
    Each workflow's eval results contain examples tagged (or categorised) with one of its
    `edge_case_tags` (default: edge_case, edge-case, edge), at least `min_per_category` of
    them; without results, its gold set's distinct inputs are counted. Tags come from a tags
    field, nested `metadata.tags`, a true `edge_case` column or `edge_case:<kind>` slice
    columns, and match as whole tokens (`edge_case:ocr` counts, `edge-router` does not).

    Why it matters:
    Production is the vendor named seven ways, the contract missing a clause, the
    upside-down scan. An eval set without them measures the easy cases only.

    How to fix:
    Collect the hard cases from the pilot and from the users' experience, tag them in the
    eval data, and list the tags under `edge_case_tags`.
    """
    flows = _flows(project, config)
    if (problem := _unreadable(flows, config)) is not None:
        return problem
    judged = [f for f in flows if f.summary is not None]
    if not judged:
        return _gold_or_none(project, config, flows, evalgold.edge_cases)
    counted: list[tuple[str, int, int]] = []
    for flow in judged:
        assert flow.summary is not None
        tags = _edge_tags(config, flow)
        wanted = frozenset(t.lower() for t in tags)
        count = sum(n for tag, n in flow.summary.tags.items() if tag_matches(tag, wanted))
        count += sum(s.n for cat, s in flow.summary.by_category.items()
                     if tag_matches(cat, wanted))
        counted.append((f"{_label(flow)} {count} tagged {'/'.join(tags)}", count,
                        _min_per_category(config, flow)))
    return evalgold.edge_verdict(counted, _files(judged))


@check(code="QUA004", gap=Gap.QUALITY,
       title="Does measured accuracy meet each workflow's agreed threshold?",
       remediation="Improve the workflow (prompt, retrieval, model, human review) or agree a "
                   "different threshold with its users, then re-run the evals.")
def accuracy_meets_threshold(project: Project, config: Config) -> Finding:
    """What it checks:
    For every workflow with a `min_accuracy` and eval results, the measured accuracy meets
    it. By default the lower bound of the 95% Wilson score interval must meet it
    (`accuracy_rule: lower_bound`); `point_estimate` compares the accuracy itself. Cases
    the eval tool reported as errors count as not passed.

    Why it matters:
    A point estimate on a few hundred examples can clear the bar by luck. The lower bound
    says the workflow clears it with 95% confidence.

    How to fix:
    Look at the failing categories (accuracy-by-category), fix the causes, and re-run; if
    the users accept lower accuracy with human review, record that agreement instead.
    """
    flows = _flows(project, config)
    if (problem := _unreadable(flows, config)) is not None:
        return problem
    confidence = _confidence(config)
    below: list[str] = []
    above: list[str] = []
    unjudged: list[str] = []
    for flow in flows:
        minimum = flow.spec.get("min_accuracy")
        if flow.summary is None or minimum is None:
            if flow.configured:
                unjudged.append(flow.name)
            continue
        how = evalset.rule(config, flow.spec)
        value = measured(flow.summary.overall, how, confidence)
        text = (f"{flow.name} {describe(flow.summary.overall, confidence)} "
                f"{'>=' if value is not None and value >= minimum else '<'} "
                f"{percent(minimum)} agreed ({how.replace('_', ' ')})")
        (above if value is not None and value >= minimum else below).append(text)
    evidence = _files(flows)
    if below:
        return failed("; ".join(below + above), *evidence)
    if not above and not any(f.summary is not None for f in flows):
        nothing = _no_results(project, config, flows)
        if nothing.status is Status.NOT_APPLICABLE or evalset.gold(project, flows).files:
            return nothing  # no model calls at all, or gold sets without results
    if not above:
        return failed("no workflow has both a min_accuracy and eval results"
                      + (f" ({', '.join(unjudged)})" if unjudged else ""), *evidence)
    if unjudged:
        return warned(f"{'; '.join(above)}; not judged: {', '.join(unjudged)}", *evidence,
                      credit=Credit.ENFORCED)
    return passed("; ".join(above), *evidence)


@check(code="QUA005", gap=Gap.QUALITY,
       title="Does every category have enough examples and meet the threshold?",
       remediation="Add examples to the categories that are too small to tell, and fix the "
                   "categories below the threshold before launch.")
def accuracy_by_category(project: Project, config: Config) -> Finding:
    """What it checks:
    Within each workflow, every category of example (document type, language, edge case)
    has at least `min_per_category` examples and meets the workflow's threshold by the same
    rule as the overall figure. The weakest category is always named. A category with too
    few examples is reported as too small to tell, never as a pass. The measured accuracy
    is shown; under `accuracy_rule: lower_bound` the interval's lower bound, labelled as
    such, is what is compared. A gold set without results cannot be judged for accuracy.

    Why it matters:
    An overall 92% can hide a category at 61%: the upside-down scans, the German contracts.
    Users meet categories, not averages.

    How to fix:
    Grow the small categories, then fix the weak ones (or route them to human review)
    and re-run the evals.
    """
    judged = _judged(project, config)
    if isinstance(judged, Finding):
        return judged
    confidence = _confidence(config)
    below: list[str] = []
    small: list[str] = []
    weakest: list[str] = []
    uncategorised: list[str] = []
    for flow in judged:
        assert flow.summary is not None
        categories = flow.summary.by_category
        if not categories:
            uncategorised.append(_label(flow))
            continue
        need = _min_per_category(config, flow)
        minimum = flow.spec.get("min_accuracy")
        how = evalset.rule(config, flow.spec)
        worst = min(categories.items(), key=lambda kv: (kv[1].accuracy or 0.0, kv[0]))
        weakest.append(f"{_label(flow)} weakest: {worst[0]} {describe(worst[1], confidence)}")
        for name, stats in sorted(categories.items()):
            if stats.n < need:
                small.append(f"{_label(flow)}/{name} n={stats.n} < {need}")
                continue
            value = measured(stats, how, confidence)
            if minimum is not None and (value is None or value < minimum):
                below.append(f"{_label(flow)}/{name} "
                             f"{_shortfall(stats, value, minimum, how, confidence)}")
    evidence = _files(judged)
    if below:
        also = [f"too small to tell: {', '.join(small)}"] if small else []
        return failed("; ".join([f"below threshold: {', '.join(below)}", *also, *weakest]),
                      *evidence)
    if small or uncategorised:
        parts = [f"too small to tell: {', '.join(small)}"] if small else []
        if uncategorised:
            parts.append(f"no categories in {', '.join(uncategorised)}")
        return warned("; ".join(parts + weakest), *evidence, credit=Credit.ENFORCED)
    return passed("; ".join(weakest), *evidence)


def _shortfall(stats: Stats, value: float | None, minimum: float, how: str,
               confidence: float) -> str:
    """The measured accuracy, and the interval's lower bound (so labelled) when it decides."""
    if how != "lower_bound" or value is None:
        return f"{percent(stats.accuracy)} < {percent(minimum)}"
    return (f"{percent(stats.accuracy)} measured, {confidence:.0%} CI lower bound "
            f"{percent(value)} < {percent(minimum)}")


CHECKS = (accuracy_thresholds, eval_sample_size, eval_edge_cases, accuracy_meets_threshold,
          accuracy_by_category)
