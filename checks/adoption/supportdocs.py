"""Support plans as teams write them, read by structure.

An owner is the bold name (or first list item, or first name) under an "Owner" heading; a
first-month schedule is a table with a who column and a when column under a "Rota" or "First
month" heading, or hours written as prose; an escalation list is the list under an
"Escalation" heading. `Owner: ...`, `| Slack | #channel |` and "Mon-Fri 9-17" lines are read
too (`read_line`). In SUPPORT.md every section counts; elsewhere only the sections under a
"Support", "Getting help" or "Contact" heading, with their sub-sections. A community chat
invite (Discord, Slack, Gitter, Matrix, GitHub Discussions) anywhere in a document is a
channel. Placeholders (`name-of-owner`, `<owner>`) are never a fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from readiness.project.documents import is_placeholder

from .docs import Section

_I = re.IGNORECASE
OWNER, CHANNEL, HOURS, ESCALATION, INVITE = "owner", "channel", "hours", "escalation", "invite"
Found = dict[str, tuple[int, str]]  # fact: the first line saying it, the value

SUPPORT_HEADING = re.compile(r"\b(support|getting help|help|questions|contact|on[- ]call)\b", _I)
_OWNER_HEADING = re.compile(r"^\W*((support|product|service|feature) )?(owners?|owned by|who "
                            r"(answers|owns|to ask|to contact)|points? of contact|contacts?|"
                            r"contact person|dri|responsible|support leads?)\b", _I)
_ESCALATION_HEADING = re.compile(r"\bescalat", _I)
_SCHEDULE_HEADING = re.compile(r"\b(first (month|30 days|four weeks|weeks)|schedule|rota|"
                               r"rotation|on[- ]call|hours|coverage|availability|support "
                               r"window)\b", _I)
_WHO_COLUMN = re.compile(r"\b(on[- ]call|owner|who|person|name|staff|engineer|contact|"
                         r"primary|responder)\b", _I)
_WHEN_COLUMN = re.compile(r"\b(hours|times?|days?|dates?|weeks?|shift|when|window)\b", _I)
_NAME = re.compile(r"^(@[\w./-]+|[A-Z][\w'-]+(?: [A-Z][\w'-]+)+)")
INVITE_LINK = re.compile(r"https?://(discord\.gg/|(www\.)?discord(app)?\.com/invite/|"
                         r"join\.slack\.com/|[\w-]+\.slack\.com/|gitter\.im/|matrix\.to/|"
                         r"[\w-]+\.zulipchat\.com|github\.com/[\w.-]+/[\w.-]+/discussions)"
                         r"[^\s)>\]\"']*", _I)
PARAMS = (SUPPORT_HEADING.pattern, _OWNER_HEADING.pattern, _ESCALATION_HEADING.pattern,
          _SCHEDULE_HEADING.pattern, _WHO_COLUMN.pattern, _WHEN_COLUMN.pattern, _NAME.pattern,
          INVITE_LINK.pattern, "supportdocs/1")


def in_scope(sections: Sequence[Section], whole: bool) -> list[Section]:
    """The sections that talk about support: all of them, or those under a support heading."""
    if whole:
        return list(sections)
    chosen: list[Section] = []
    level = 0  # the level of the support heading we are under (0: none)
    for section in sections:
        if level and section.level > level:
            chosen.append(section)
            continue
        level = 0
        if section.heading and SUPPORT_HEADING.search(section.heading):
            chosen.append(section)
            level = section.level or 7  # other formats: the section alone
    return chosen


def structured(sections: Iterable[Section],
               read_line: Callable[[str], dict[str, str]]) -> Found:
    """Owner, channel, hours and escalation from headings, bold names, tables and lists,
    then from lines read one by one."""
    found: Found = {}

    def note(key: str, line: int, value: str) -> None:
        if value and not is_placeholder(value):
            found.setdefault(key, (line, _short(value)))

    chosen = list(sections)
    for section in chosen:
        if _OWNER_HEADING.search(section.heading):
            for line, name in _names(section):
                note(OWNER, line, name)
                break
        if _ESCALATION_HEADING.search(section.heading):
            for line, name in _names(section, items_first=True):
                note(ESCALATION, line, name)
                break
        rota = _rota(section)
        if rota:
            line, rows, person = rota
            note(HOURS, line, f"a first-month rota of {rows} rows")
            if person:
                note(OWNER, *person)
    for section in chosen:
        for number, text in (*section.body, *((n, " | ".join(c)) for n, c in section.rows)):
            for key, value in read_line(text).items():
                note(key, number, value)
    return found


def invite(sections: Iterable[Section]) -> tuple[int, str] | None:
    """The first community chat invite in a document."""
    for section in sections:
        for number, text in section.body:
            match = INVITE_LINK.search(text)
            if match:
                return number, match.group(0).rstrip(".,;")
    return None


def _names(section: Section, items_first: bool = False) -> list[tuple[int, str]]:
    """Names under a heading: bold ones, then list items, then the first name on a line."""
    bold = [(n, t) for n, t in section.strong if _NAME.match(t)]
    items = [(n, m.group(0)) for n, t in section.items if (m := _NAME.match(t))]
    lines = [(n, m.group(0)) for n, t in section.body if (m := _NAME.match(t.lstrip("-*+ ")))]
    return (items + bold + lines) if items_first else (bold + items + lines)


def _rota(section: Section) -> tuple[int, int, tuple[int, str] | None] | None:
    """A table with a who column and a when column: its line, its rows and the first
    person named in it (line, name)."""
    if not section.rows or not (_SCHEDULE_HEADING.search(section.heading)
                                or SUPPORT_HEADING.search(section.heading)):
        return None
    header = section.rows[0][1]
    who = next((i for i, cell in enumerate(header) if _WHO_COLUMN.search(cell)), None)
    when = next((i for i, cell in enumerate(header) if _WHEN_COLUMN.search(cell)), None)
    body = section.rows[1:]
    if who is None or when is None or who == when or not body:
        return None
    first = next(((n, cells[who]) for n, cells in body if who < len(cells)
                  and _NAME.match(cells[who]) and not is_placeholder(cells[who])), None)
    return section.rows[0][0], len(body), first


def _short(text: str) -> str:
    text = text.replace("**", "").replace("`", "").strip()
    return text if len(text) <= 60 else text[:57] + "..."
