"""One self-contained HTML page: verdict banner, the 16-week timeline, gap bars, every check.

No JavaScript and no external loads: the Content-Security-Policy allows nothing but the one
inline stylesheet, pinned by its hash, so even an escaping bug could not run a script or
fetch a URL. Drawings are inline SVG sized by attributes, since the policy also forbids
``style=`` attributes. Every string from the scorecard goes through :func:`html_text`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import math
from collections.abc import Sequence
from typing import Any

from readiness.model import SCORED_GAPS, Gap, Result, Scorecard, Severity, Status, Timeline
from readiness.report.escape import html_text as e
from readiness.report.escape import plain
from readiness.report.markdown import (
    NO_BLOCKERS,
    NOT_BLOCKING,
    PROBLEM_STATUSES,
    due_text,
    meets_minimum,
    verdict_label,
    weakest_category,
    weakest_gaps,
    week_label,
)

CSS = """\
*{box-sizing:border-box}
body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1f2328;background:#fff}
main{max-width:1200px;margin:0 auto}
h1{font-size:26px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 10px}
h3{font-size:15px;margin:18px 0 8px;text-transform:capitalize}
.meta{color:#57606a;font-size:13px}.week{font-size:15px;margin:4px 0 16px}
.verdict{border:2px solid;border-left-width:10px;border-radius:8px;padding:14px 18px}
.verdict ul{margin:6px 0 0;padding-left:20px}
.v-GO{background:#dafbe1;border-color:#1a7f37}
.v-CONDITIONAL_GO{background:#fff8c5;border-color:#9a6700}
.v-NO_GO{background:#ffebe9;border-color:#cf222e}
.v-NOTHING_DUE{background:#ddf4ff;border-color:#0969da}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
background:#f6f8fa;border-radius:4px;padding:1px 4px}
td,th,li,h1,.meta,.week,.plan{overflow-wrap:break-word;word-break:normal;hyphens:manual}
code{overflow-wrap:anywhere}
.project{font-size:20px;font-weight:700;margin:0}.plan{margin:2px 0 4px;font-size:13px}
.nowrap{white-space:nowrap;display:inline-block}.due td{padding:3px 8px}
.due .st{margin:1px 2px 1px 0}.due .name{margin-right:8px}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:4px 0}
th,td{border-bottom:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}.n{text-align:right}
.st{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;
font-weight:600;white-space:nowrap}
.s-pass{background:#1a7f37;fill:#1a7f37}.s-fail{background:#cf222e;fill:#cf222e}
.s-warn{background:#9a6700;fill:#9a6700}.s-error{background:#8250df;fill:#8250df}
.s-not-applicable{background:#6e7781;fill:#6e7781}.s-upcoming{background:#0969da;fill:#0969da}
.s-waived{background:#57606a;fill:#57606a}
.sub{color:#57606a;font-size:12px}.ev{margin:4px 0 0;padding-left:18px}
svg text{font:11px system-ui,sans-serif}
.tl{width:100%;height:auto;display:block;border:1px solid #d0d7de;border-radius:6px}
.phase{fill:#f6f8fa;stroke:#d0d7de}.phase-label{fill:#57606a}.wk{fill:#57606a}
.now{fill:#fff8c5;stroke:#bf8700;stroke-width:2}.now-label{fill:#7d4e00;font-weight:700}
.gate{stroke:#1f2328;stroke-width:2;stroke-dasharray:6 4}.gate-label{fill:#1f2328;font-weight:700}
.chip text{fill:#fff;font-weight:600;font-size:10.5px}
.legend{margin:6px 0 0;font-size:12px}.legend .st{margin-right:6px}
.scores td{border:0;padding:4px 8px}.bar{width:100%;height:14px;display:block}
.track{fill:#eaeef2}.good{fill:#1a7f37}.fair{fill:#bf8700}.poor{fill:#cf222e}
.ci line{stroke:#8c959f;stroke-width:3;vector-effect:non-scaling-stroke}
.ci .min{stroke:#cf222e;stroke-width:2}.ci .acc{stroke:#1f2328;stroke-width:3}
.ci{width:100%;height:14px;display:block}.cat{padding-left:24px}
.ok{color:#1a7f37}.bad{color:#cf222e}
details summary{cursor:pointer;color:#0969da}.fix{margin-top:4px;color:#1f2328}
@page{size:auto;margin:12mm 11mm}
@media print{
body{padding:0;font-size:10.5px;line-height:1.35;-webkit-print-color-adjust:exact;
print-color-adjust:exact}
main{max-width:none}
h1{font-size:17px}h2{font-size:13.5px;margin:14px 0 6px;break-after:avoid}
h3{font-size:12px;margin:10px 0 4px;break-after:avoid}
.project{font-size:15px}.plan,.meta,.week{font-size:10.5px;margin:2px 0}
.verdict{padding:8px 12px;break-inside:avoid}
th,td{padding:3px 5px}tr,.chip,li{break-inside:avoid}
code{font-size:9.5px;padding:0 2px}.st{font-size:9.5px;padding:0 5px}
.sub{font-size:9.5px}.ev{margin:2px 0 0;padding-left:14px}
.tl{break-inside:avoid}.legend{font-size:9.5px}
details{display:none}
}
"""
CSP = ("default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; "
       "form-action 'none'")
# The standard plan from the field: (first week, last week, phase).
PHASES = ((1, 2, "pilot"), (3, 6, "infrastructure"), (7, 10, "quality"),
          (11, 12, "training"), (13, 15, "soft launch"), (16, 16, "full launch"))
EVIDENCE_SHOWN = 5
PATH_LIMIT = 160
COLUMN, CHIP_H, TOP = 75, 18, 58
STATUS_ICON = {Status.PASS: "\u2713", Status.FAIL: "\u2717", Status.WARN: "!",
               Status.ERROR: "\u203c", Status.NOT_APPLICABLE: "\u2013",
               Status.UPCOMING: "\u00b7", Status.WAIVED: "~"}


def render(sc: Scorecard) -> str:
    """Render ``sc`` as a complete, self-contained HTML document."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    title = f"{verdict_label(sc)} \u00b7 {sc.project_name}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP.format(hash=digest)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title, 200)}</title>", f"<style>{CSS}</style>", "</head>", "<body><main>",
        *_header(sc), *_timeline(sc), *_scores(sc), *_problems(sc), *_waivers(sc),
        *_list("Next actions", sc.next_actions, ordered=True),
        *_evals(sc.extras.get("evals")), *_usage(sc.extras.get("usage")), *_checks(sc),
        *_settings(sc), *_list("Notes", (*sc.notes, *sc.hints)),
        "</main></body>", "</html>",
    ]
    return "\n".join(parts) + "\n"


def _plan(tl: Timeline) -> str:
    """The planned dates, with the week each falls in: what a launch review is held against."""
    from readiness.timeline import week_of

    def when(day: datetime.date | None, key: str) -> str:
        if day is None:
            return f'<span class="sub">not planned (set timeline.{key})</span>'
        week = f" (week {week_of(tl.pilot_start, day)})" if tl.pilot_start else ""
        return f"<b>{day.isoformat()}</b>{week}"

    start = f"<b>{tl.pilot_start.isoformat()}</b>" if tl.pilot_start else \
        '<span class="sub">not set (timeline.pilot_start)</span>'
    return (f'<p class="plan">Plan: pilot from {start} \u00b7 soft launch '
            f"{when(tl.soft_launch, 'soft_launch')} \u00b7 full launch "
            f"{when(tl.full_launch, 'full_launch')}</p>")


def _header(sc: Scorecard) -> list[str]:
    tl, gate = sc.timeline, sc.gate
    state = {True: " (dirty)", False: " (clean)", None: ""}[sc.dirty]
    commit = f"<code>{e(sc.commit[:12])}</code>{state}" if sc.commit else "no commit"
    where = week_label(tl)
    if tl.phase:
        where += f" \u00b7 phase: {e(tl.phase)}"
    return [
        f'<p class="project">{e(sc.project_name, 200)} \u00b7 launch review '
        f"{tl.date.isoformat()}</p>",
        _plan(tl),
        f'<p class="meta">readiness {e(sc.tool_version, 40)} \u00b7 <b>{e(sc.project_name, 200)}'
        f"</b> @ {commit} \u00b7 {tl.date.isoformat()}</p>",
        f'<p class="week"><b>{where}</b> \u00b7 gate: {e(gate.label)} (week {gate.week})</p>',
        f'<section class="verdict v-{sc.verdict.value}">',
        f"<h1>{verdict_label(sc)} {e(gate.question)}</h1>",
        "<ul>", *(f"<li>{e(r, 500)}</li>" for r in sc.reasons), "</ul>", "</section>",
    ]


def _chip_title(r: Result) -> str:
    return e(f"{r.code} {r.name} \u00b7 {r.status.value} \u00b7 due week {r.due_week}"
             f" \u00b7 {r.message}", 300)


def _timeline(sc: Scorecard) -> list[str]:
    total = max(1, sc.timeline.total_weeks)
    stacks: dict[int, list[Result]] = {}
    for r in sc.results:
        stacks.setdefault(min(max(r.due_week, 1), total), []).append(r)
    depth = max((len(s) for s in stacks.values()), default=0)
    width, height = total * COLUMN, TOP + depth * (CHIP_H + 3) + 12
    out = ["<h2>Timeline</h2>",
           f'<svg class="tl" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{total}-week timeline">']
    for first, last, label in PHASES:
        if first > total:
            continue
        x, w = (first - 1) * COLUMN, (min(last, total) - first + 1) * COLUMN
        out.append(f'<rect class="phase" x="{x}" y="0" width="{w}" height="24"/>'
                   f'<text class="phase-label" x="{x + 6}" y="16">{label}</text>')
    week, gate = sc.timeline.week, sc.gate.week
    if week is not None and 1 <= week <= total:
        out.append(f'<rect class="now" x="{(week - 1) * COLUMN + 1}" y="26" width="{COLUMN - 2}"'
                   f' height="{height - 27}"><title>today: week {week}</title></rect>')
    for w in range(1, total + 1):
        cls, label = ("now-label", f"w{w} now") if w == week else ("wk", f"w{w}")
        out.append(f'<text class="{cls}" x="{(w - 1) * COLUMN + 6}" y="44">{label}</text>')
    if 1 <= gate <= total:
        gx = (gate - 1) * COLUMN
        out.append(f'<line class="gate" x1="{gx}" y1="26" x2="{gx}" y2="{height}">'
                   f"<title>gate: {e(sc.gate.label)} (week {gate})</title></line>")
    for w, results in sorted(stacks.items()):
        for i, r in enumerate(results):
            x, y = (w - 1) * COLUMN + 4, TOP + i * (CHIP_H + 3)
            # Long codes are squeezed to the chip's width rather than spilling out of it.
            fit = (f' textLength="{COLUMN - 16}" lengthAdjust="spacingAndGlyphs"'
                   if len(r.code) > 6 else "")
            out.append(f'<g class="chip"><title>{_chip_title(r)}</title>'
                       f'<rect class="s-{r.status.value}" x="{x}" y="{y}" width="{COLUMN - 8}" '
                       f'height="{CHIP_H}" rx="4"/><text x="{x + 4}" y="{y + 13}"{fit}>'
                       f"{STATUS_ICON[r.status]} {e(r.code, 10)}</text></g>")
    out.append("</svg>")
    legend = " ".join(f'<span class="st s-{s.value}">{STATUS_ICON[s]} {s.value}</span>'
                      for s in Status)
    return [*out, f'<p class="legend">{legend} \u00b7 highlighted column: this week; '
                  "dashed line: the gate</p>", *_due_table(stacks)]


def _due_table(stacks: dict[int, list[Result]]) -> list[str]:
    """The timeline's chips with their check names, by due week (the chart has room for
    codes only)."""
    rows = []
    for week, results in sorted(stacks.items()):
        chips = " ".join(f'<span class="nowrap"><span class="st s-{r.status.value}">'
                         f"{STATUS_ICON[r.status]} {e(r.code, 10)}</span>"
                         f'<span class="name">{e(r.name, 80)}</span></span>'
                         for r in sorted(results, key=lambda r: r.code))
        rows.append(f"<tr><td>w{week}</td><td>{chips}</td></tr>")
    if not rows:
        return []
    return ['<table class="due"><colgroup><col width="6%"><col width="94%"></colgroup>',
            "<tr><th>Due</th><th>Checks due that week</th></tr>", *rows, "</table>"]


def _bar(score: int | None, cls: str = "") -> str:
    value = 0 if score is None else max(0, min(100, score))
    grade = cls or ("good" if value >= 80 else "fair" if value >= 60 else "poor")
    return (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none">'
            f'<rect class="track" width="100" height="10"/>'
            f'<rect class="{grade}" width="{value}" height="10"/></svg>')


def _scores(sc: Scorecard) -> list[str]:
    weakest = weakest_gaps(sc.scores)
    rows = []
    for name in [g.value for g in SCORED_GAPS] + ["overall"]:
        score = sc.scores.get(name)
        note = ("\u25c0 weakest" if name in weakest
                else "= the weakest gap" if name == "overall" else "")
        label = f"<b>{name.capitalize()}</b>" if name == "overall" else name.capitalize()
        rows.append(f"<tr><td>{label}</td><td>{_bar(score)}</td>"
                    f'<td class="n"><b>{"n/a" if score is None else score}</b></td>'
                    f'<td class="sub">{note}</td></tr>')
    return ["<h2>Gap scores</h2>", '<table class="scores"><colgroup><col width="16%">'
            '<col width="60%"><col width="8%"><col width="16%"></colgroup>', *rows, "</table>"]


def _status(r: Result) -> str:
    extra = ""
    if r.status is Status.PASS and r.credit is not None:
        extra = f'<div class="sub">{r.credit.value}</div>'
    elif r.observed is not None and r.status in (Status.WAIVED, Status.UPCOMING):
        extra = f'<div class="sub">now {r.observed.value}</div>'
    return (f'<span class="st s-{r.status.value}">{STATUS_ICON[r.status]} '
            f"{r.status.value}</span>{extra}")


def _evidence(r: Result) -> str:
    items = [f'<li><code title="{e(str(ev))}">{e(str(ev), PATH_LIMIT)}</code>'
             + (f" {e(ev.note, 200)}" if ev.note else "") + "</li>" for ev in r.evidence]
    if not items:
        return ""
    shown = "".join(items[:EVIDENCE_SHOWN])
    rest = items[EVIDENCE_SHOWN:]
    more = (f"<details><summary>and {len(rest)} more</summary><ul class=\"ev\">"
            f"{''.join(rest)}</ul></details>") if rest else ""
    return f'<ul class="ev">{shown}</ul>{more}'


def _owner(r: Result) -> str:
    owner = r.owner or (r.waiver.owner if r.waiver else None)
    return e(owner, 80) if owner else '<span class="sub">unassigned</span>'


def _finding(r: Result, fix: bool = False) -> str:
    remedy = f'<div class="fix"><b>Fix:</b> {e(r.remediation, 500)}</div>' if fix else ""
    return f"{e(r.message, 500)}{_evidence(r)}{remedy}"


_COLS = '<colgroup><col width="22%"><col width="9%"><col width="10%"><col width="11%">' \
        '<col width="12%"><col width="36%"></colgroup>'


def _problems(sc: Scorecard) -> list[str]:
    due = [r for r in sc.results if r.due and r.status in PROBLEM_STATUSES]
    blockers = [r for r in due if r.severity is Severity.BLOCKER
                and r.status in (Status.FAIL, Status.ERROR)]
    groups = (("Blockers", blockers), (NOT_BLOCKING, [r for r in due if r not in blockers]))
    out = [] if blockers else ["<h2>Blockers</h2>", f"<p>{NO_BLOCKERS}</p>"]
    for title, rows in groups:
        if not rows:
            continue
        out += [f"<h2>{title} ({len(rows)})</h2>", f"<table>{_COLS}",
                "<tr><th>Check</th><th>Severity</th><th>Status</th><th>Due</th><th>Owner</th>"
                "<th>Finding</th></tr>"]
        out += [f"<tr><td>{_check(r)}</td><td>{r.severity.value}</td><td>{_status(r)}</td>"
                f"<td>{due_text(r)}</td><td>{_owner(r)}</td><td>{_finding(r, fix=True)}</td></tr>"
                for r in sorted(rows, key=lambda r: (-r.severity.weight, r.due_week))]
        out.append("</table>")
    return out


def _check(r: Result) -> str:
    return f"<code>{e(r.code, 40)}</code> {e(r.name, 80)}"


def _waivers(sc: Scorecard) -> list[str]:
    if not sc.waivers:
        return []
    rows = [f"<tr><td>{e(w.check, 80)}</td><td>{e(w.owner, 80)}</td>"
            f"<td>{w.expires.isoformat()}</td><td>{e(w.reason, 500)}</td></tr>"
            for w in sc.waivers]
    return [f"<h2>Waivers in force ({len(sc.waivers)})</h2>", "<table>",
            "<tr><th>Check</th><th>Owner</th><th>Expires</th><th>Reason</th></tr>",
            *rows, "</table>"]


def _list(title: str, items: Sequence[str], ordered: bool = False) -> list[str]:
    if not items:
        return []
    tag = "ol" if ordered else "ul"
    return [f"<h2>{title}</h2>", f"<{tag}>", *(f"<li>{e(i, 500)}</li>" for i in items),
            f"</{tag}>"]


def _pct(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.1f}%"
    return e(plain(value), 40)


def _ci(row: dict[str, Any], minimum: Any, floor: float) -> str:
    """The 95% interval as a whisker on a ``floor``–100% scale, the minimum as a red tick."""
    low, high, acc = (_scale(row.get(k), floor) for k in ("wilson_low", "wilson_high", "accuracy"))
    if low is None or high is None or acc is None:
        return ""
    at = _scale(minimum, floor)
    tick = f'<line class="min" x1="{at}" y1="0" x2="{at}" y2="10"/>' if at is not None else ""
    return (f'<svg class="ci" viewBox="0 0 100 10" preserveAspectRatio="none">'
            f'<line x1="{low}" y1="5" x2="{high}" y2="5"/>{tick}'
            f'<line class="acc" x1="{acc}" y1="1" x2="{acc}" y2="9"/></svg>')


def _scale(value: Any, floor: float) -> float | None:
    """A fraction as a 0–100 SVG coordinate on a ``floor``–1 axis; None if not a number."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return round((max(floor, min(1.0, float(value))) - floor) / (1.0 - floor) * 100, 1)


def _axis_floor(rows: Sequence[dict[str, Any]]) -> float:
    """Zoom the interval axis to the data: the lowest bound or minimum, down to a tenth."""
    values = [float(v) for row in rows for k in ("wilson_low", "min_accuracy")
              if isinstance(v := row.get(k), int | float) and not isinstance(v, bool)]
    return max(0.0, min(0.9, math.floor(min(values, default=0.0) * 10) / 10))


_EVAL_COLS = ('<colgroup><col width="25%"><col width="7%"><col width="8%"><col width="9%">'
              '<col width="13%"><col width="10%"><col width="7%"><col width="21%"></colgroup>')
_MEETS = {True: '<b class="ok">\u2713</b>', False: '<b class="bad">\u2717</b>', None: "\u2014"}


def _evals(evals: Any) -> list[str]:
    workflows = evals.get("workflows") if isinstance(evals, dict) else None
    if not isinstance(workflows, list):
        return []
    flows = [w for w in workflows if isinstance(w, dict)]
    cats_of = {id(wf): [c for c in wf.get("by_category", []) if isinstance(c, dict)]
               if isinstance(wf.get("by_category"), list) else [] for wf in flows}
    floor = _axis_floor([*flows, *(c for cs in cats_of.values() for c in cs)])
    out = ["<h2>Eval accuracy</h2>", f"<table>{_EVAL_COLS}",
           '<tr><th>Workflow / category</th><th class="n">n</th><th class="n">Errors</th>'
           '<th class="n">Accuracy</th><th class="n">95% CI</th><th class="n">Minimum</th>'
           "<th>Meets</th>"
           f"<th>Interval ({floor * 100:.0f}–100%)</th></tr>"]
    for wf in flows:
        minimum = wf.get("min_accuracy")
        rule = e(str(wf.get("rule", "lower_bound")).replace("_", " "), 40)
        out.append(f"<tr><td><b>{e(plain(wf.get('name')), 80)}</b></td>{_counts(wf)}"
                   f'<td class="n">{"—" if minimum is None else _pct(minimum)}'
                   f'<div class="sub">{rule}</div></td>'
                   f"<td>{_MEETS[meets_minimum(wf)]}</td><td>{_ci(wf, minimum, floor)}</td></tr>")
        cats = cats_of[id(wf)]
        low = weakest_category(cats)
        for cat in cats:
            weakest = cat is low and len(cats) > 1
            mark = ' <span class="sub">\u25c0 weakest</span>' if weakest else ""
            out.append(f'<tr><td class="cat">{e(plain(cat.get("category")), 80)}{mark}</td>'
                       f"{_counts(cat)}<td></td><td></td><td>{_ci(cat, minimum, floor)}</td></tr>")
    return [*out, "</table>"]


def _counts(row: dict[str, Any]) -> str:
    return (f'<td class="n">{e(plain(row.get("n")))}</td>'
            f'<td class="n">{e(plain(row.get("errors")))}</td>'
            f'<td class="n">{_pct(row.get("accuracy"))}</td>'
            f'<td class="n">{_pct(row.get("wilson_low"))}–{_pct(row.get("wilson_high"))}</td>')


def _usage(usage: Any) -> list[str]:
    if not isinstance(usage, dict) or not usage:
        return []
    rows = [f"<tr><td>{e(plain(k), 80)}</td><td>{e(plain(v), 200)}</td></tr>"
            for k, v in usage.items()]
    return ["<h2>Pilot usage</h2>", "<table>", "<tr><th>Metric</th><th>Value</th></tr>",
            *rows, "</table>"]


def _checks(sc: Scorecard) -> list[str]:
    out = [f"<h2>All checks ({len(sc.results)})</h2>"]
    for gap in Gap:
        rows = sc.results_by_gap(gap)
        if not rows:
            continue
        out += [f"<h3>{gap.value}</h3>", f"<table>{_COLS}",
                "<tr><th>Check</th><th>Severity</th><th>Status</th><th>Due</th><th>Owner</th>"
                "<th>Message and evidence</th></tr>"]
        out += [f"<tr><td>{_check(r)}<div class=\"sub\">{e(r.title, 200)}</div></td>"
                f"<td>{r.severity.value}</td><td>{_status(r)}</td><td>{due_text(r)}</td>"
                f"<td>{_owner(r)}</td><td>{_finding(r)}</td></tr>" for r in rows]
        out.append("</table>")
    return out


def _settings(sc: Scorecard) -> list[str]:
    if not sc.settings:
        return []
    rows = [f"<tr><td><code>{e(plain(k), 120)}</code></td><td>{e(plain(v), 300)}</td>"
            f"<td>{e(plain(s), 120)}</td></tr>" for k, v, s in sc.settings]
    return [f"<details><summary>Effective settings ({len(rows)})</summary>", "<table>",
            "<tr><th>Setting</th><th>Value</th><th>From</th></tr>", *rows, "</table>",
            "</details>"]
