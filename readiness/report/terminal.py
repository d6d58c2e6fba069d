"""The terminal scorecard, drawn with rich: readable in ten seconds, then explorable.

Everything that comes from the scanned repository goes into ``Text`` objects (never markup)
after control characters are made visible, so a file name cannot restyle or rewrite the
terminal.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from readiness.model import SCORED_GAPS, Gap, Result, Scorecard, Status, Verdict
from readiness.report.escape import visible
from readiness.scoring import known_blockers

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderableType, RenderResult

MAX_EVIDENCE = 6
SYMBOL = {
    Status.PASS: ("✓ pass", "green"),
    Status.FAIL: ("✗ fail", "red"),
    Status.WARN: ("! warn", "yellow"),
    Status.ERROR: ("✗ error", "red"),
    Status.NOT_APPLICABLE: ("– n/a", "dim"),
    Status.UPCOMING: ("· upcoming", "cyan"),
    Status.WAIVED: ("~ waived", "magenta"),
}
VERDICT_STYLE = {Verdict.GO: "green", Verdict.CONDITIONAL_GO: "yellow", Verdict.NO_GO: "red",
                 Verdict.NOTHING_DUE: "blue"}


def clean(value: object) -> str:
    """Make control characters visible (``\\x1b`` stays text, never an escape sequence), as
    every renderer does (readiness.report.escape)."""
    return visible(str(value))


def render(sc: Scorecard, *, width: int = 100, color: bool = False, compact: bool = False) -> str:
    """The scorecard as terminal text; ANSI colour only when ``color`` is true."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if color else None,
                      force_terminal=color, no_color=not color, highlight=False,
                      emoji=False, legacy_windows=False)
    for part in renderables(sc, compact):
        console.print(part)
    return buffer.getvalue()


def renderables(sc: Scorecard, compact: bool = False) -> list[RenderableType]:
    parts: list[RenderableType] = [_header(sc), _banner(sc), _scores(sc)]
    if not compact:
        for gap in (Gap.TIMELINE, *SCORED_GAPS):
            results = sc.results_by_gap(gap)
            if results:
                parts.append(_gap_table(gap, results))
        evals = _evals(sc.extras.get("evals"))
        if evals is not None:
            parts.append(evals)
    if sc.next_actions:
        title = "Next actions (blockers first, by due week)"
        parts.append(_actions(sc, title) if compact else _numbered(title, sc.next_actions))
    if sc.hints:
        parts.append(_numbered("Configure first", sc.hints))
    if sc.waivers:
        lines = [f"{w.check}: until {w.expires} ({w.owner}): {w.reason}" for w in sc.waivers]
        parts.append(_numbered("Waivers in force", lines, bullet=True))
    if sc.notes and not compact:
        parts.append(_numbered("Notes", sc.notes, bullet=True))
    cost = _cost(sc.extras.get("usage"))
    if cost is not None:
        parts.append(cost)
    return parts


def _pct(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "n/a"


def _evals(data: object) -> Table | None:
    """Eval accuracy per workflow, with the weakest category, as in a launch review."""
    if not isinstance(data, dict) or not data.get("workflows"):
        return None
    table = Table(title=Text("EVAL ACCURACY", style="bold"), title_justify="left", box=None,
                  padding=(0, 1), expand=False)
    for head in ("workflow", "n", "acc", "95% CI", "min", "rule", "weakest category"):
        table.add_column(head, justify="right" if head in ("n", "acc", "min") else "left")
    for flow in data["workflows"]:
        categories = flow.get("by_category") or []
        weakest = min(categories, key=lambda c: (c.get("accuracy") or 0.0, c["category"]),
                      default=None)
        worst = (f"{clean(weakest['category'])} {_pct(weakest.get('accuracy'))} "
                 f"(n={weakest['n']})" if weakest else "")
        table.add_row(clean(flow["name"]), str(flow["n"]), _pct(flow.get("accuracy")),
                      f"{_pct(flow.get('wilson_low'))}–{_pct(flow.get('wilson_high'))}",
                      _pct(flow.get("min_accuracy")), str(flow.get("rule", "")).replace("_", " "),
                      worst)
    return table


def _cost(usage: object) -> Text | None:
    """One line of the pilot's cost projected to launch volume, against the budget."""
    if not isinstance(usage, dict) or "full_launch_daily_usd_p50" not in usage:
        return None
    line = Text("Cost: ", style="bold")
    pilot = usage.get("pilot_daily_usd_p50")
    if pilot is not None:
        line.append(f"pilot ${pilot:,.2f}/day → ")
    line.append(f"full launch ${usage['full_launch_daily_usd_p50']:,.2f}/day "
                f"(p95 basis ${usage.get('full_launch_daily_usd_p95', 0):,.2f}/day)")
    budget = usage.get("budget_daily_usd")
    if budget is not None:
        fits = usage.get("full_launch_daily_usd_p95", 0) <= budget
        line.append(f" · budget ${budget:,.2f}/day ")
        line.append("✓" if fits else "✗", style="green" if fits else "red")
    return line


def _header(sc: Scorecard) -> Text:
    commit = ""
    if sc.commit:
        commit = f" @ {sc.commit[:7]}" + {True: " (dirty)", False: " (clean)"}.get(
            bool(sc.dirty), "")
    line1 = Text(f"readiness {sc.tool_version} · ", style="bold")
    line1.append(clean(sc.project_name), style="bold")
    line1.append(f"{commit} · {sc.timeline.date}")
    tl = sc.timeline
    where = (f"Week {tl.week} of {tl.total_weeks} · phase: {tl.phase}" if tl.week is not None
             else "Week unknown (set timeline.pilot_start)")
    gate = f" · gate: {sc.gate.label} (week {sc.gate.week})"
    return Text.assemble(line1, "\n", where + gate)


def _banner(sc: Scorecard) -> Panel:
    label = sc.verdict.value.replace("_", "-").replace("CONDITIONAL-GO", "CONDITIONAL GO")
    title = f"{label} {sc.gate.question}"
    if sc.gate.assessment == "on-track":
        title = f"{label}: {sc.gate.question} (judging what is due by week {sc.gate.horizon})"
    known = known_blockers(sc.results)
    if known and sc.verdict is Verdict.GO:  # not a GO: nothing new, old blockers still open
        title = (f"NO NEW FINDINGS against the baseline; {len(known)} known blocker"
                 f"{'s' if len(known) != 1 else ''} still open")
    if sc.verdict is Verdict.NOTHING_DUE:
        title = _nothing_due_title(sc)
    body = Text()
    for index, reason in enumerate(sc.reasons):
        body.append(("\n" if index else "") + "• " + clean(reason))
    style = VERDICT_STYLE[sc.verdict]
    return Panel(body, title=Text(title, style=f"bold {style}"), title_align="left",
                 border_style=style, box=box.ROUNDED)


def _nothing_due_title(sc: Scorecard) -> str:
    """No GO over nothing: before anything falls due there is no verdict to give."""
    return f"NOTHING DUE YET for {sc.gate.label} (week {sc.gate.week})"


def _bar(score: int | None, width: int = 20) -> str:
    if score is None:
        return "·" * width
    full = round(score / 100 * width)
    return "█" * full + "░" * (width - full)


def _scores(sc: Scorecard) -> Table:
    table = Table.grid(padding=(0, 2))
    overall = sc.scores.get("overall")
    cells = []
    for gap in SCORED_GAPS:
        score = sc.scores.get(gap.value)
        shown = "n/a" if score is None else f"{score:>3}"
        mark = " ◀ weakest" if score is not None and score == overall else ""
        cells.append(Text(f"{gap.value.capitalize():<14} {_bar(score)} {shown}{mark}"))
    cells.append(Text(f"{'Overall':<14} {'n/a' if overall is None else overall} (= weakest gap)",
                      style="bold"))
    table.add_row(cells[0], cells[1])
    table.add_row(cells[2], cells[3])
    return table


def _gap_table(gap: Gap, results: Sequence[Result]) -> Table:
    table = Table(title=Text(gap.value.upper(), style="bold"), title_justify="left",
                  box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("code", no_wrap=True)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("check", ratio=1)
    table.add_column("due", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for r in sorted(results, key=lambda r: r.code):
        label, style = SYMBOL[r.status]
        lines: list[RenderableType] = [Text(clean(r.message))]
        if r.waiver:
            lines.append(Padding(Text(f"waived until {r.waiver.expires} "
                                      f"({clean(r.waiver.owner)}): {clean(r.waiver.reason)}"),
                                 (0, 0, 0, 2)))
        evidence = [clean(e) for e in r.evidence[:MAX_EVIDENCE]]
        if len(r.evidence) > MAX_EVIDENCE:
            evidence.append(f"+{len(r.evidence) - MAX_EVIDENCE} more")
        if evidence:
            lines.append(Padding(Places(evidence), (0, 0, 0, 2)))
        cell = Group(*lines)
        status = Text(label, style=style)
        if r.in_baseline:
            status.append(" (baseline)")
        if r.overdue_weeks and r.status in (Status.FAIL, Status.ERROR, Status.WARN):
            status.append(f" (overdue {r.overdue_weeks} wk)")
        elif r.status is Status.PASS and r.credit and r.credit.value != "enforced":
            status.append(f" ({r.credit.value})")
        table.add_row(r.code, r.name, cell, f"w{r.due_week}", status)
    return table


def shorten_left(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut from the left so that the file name and
    line survive: ``…/anthropic/utils.py:123``, cut at a folder boundary where one fits."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    tail = text[len(text) - (width - 1):]
    slash = tail.find("/")
    if 0 <= slash < len(tail) - 1:
        return "…" + tail[slash:]
    return "…" + tail


class Places:
    """Evidence ``path:line`` items laid out in rows, two spaces apart; an item longer than
    the row is shortened from the left (a terminal's right edge would cut the line number)."""

    def __init__(self, items: Sequence[str], style: str = "dim") -> None:
        self.items = list(items)
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        rows: list[str] = []
        for item in (shorten_left(i, width) for i in self.items):
            if rows and len(rows[-1]) + 2 + len(item) <= width:
                rows[-1] += "  " + item
            else:
                rows.append(item)
        for row in rows:
            yield Text(row, style=self.style, no_wrap=True, overflow="ignore")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((len(i) for i in self.items), default=1)
        names = max((len(i.rsplit("/", 1)[-1]) + 2 for i in self.items), default=1)
        return Measurement(min(longest, names, 40), max(longest, len("  ".join(self.items))))


COMPACT_PLACES = 3


def _actions(sc: Scorecard, title: str) -> Table:
    """Next actions, each with where it applies (``path:line``): the compact summary has no
    check tables, so the places are shown here."""
    by_name = {r.name: r for r in sc.results}
    table = Table.grid(padding=(0, 1))
    table.title = Text(title, style="bold")
    table.title_justify = "left"
    table.add_column(no_wrap=True, justify="right")
    table.add_column(ratio=1)
    for index, line in enumerate(sc.next_actions, 1):
        result = by_name.get(line.split(" (", 1)[0])
        cell: list[RenderableType] = [Text(clean(line))]
        places = list(dict.fromkeys(clean(e) for e in result.evidence if e.line)) \
            if result else []
        if places:
            shown = places[:COMPACT_PLACES]
            if len(places) > COMPACT_PLACES:
                shown.append(f"+{len(places) - COMPACT_PLACES} more")
            cell.append(Places([f"at {shown[0]}", *shown[1:]]))
        table.add_row(f" {index}.", Group(*cell))
    return table


def _numbered(title: str, lines: tuple[str, ...] | list[str], bullet: bool = False) -> Table:
    table = Table.grid(padding=(0, 1))
    table.title = Text(title, style="bold")
    table.title_justify = "left"
    table.add_column(no_wrap=True, justify="right")
    table.add_column(ratio=1)
    for index, line in enumerate(lines, 1):
        table.add_row(" •" if bullet else f" {index}.", Text(clean(line)))
    return table


def render_group(sc: Scorecard, compact: bool = False) -> Group:
    return Group(*renderables(sc, compact))
