"""Documents as the adoption checks read them: headings and the text under each heading.

Markdown is parsed by structure (`readiness.project.markdown`: CommonMark headings, lists,
tables and bold text); reStructuredText underlines, AsciiDoc ``=`` titles and HTML
``<h1>``-``<h6>`` lines (a wiki export) are headings. A section is a heading and the lines
up to the next heading; text before the first heading is a section with an empty heading.
Each check boils a document's sections down to the few plain facts it needs (`outlines`),
which are kept between runs: an unchanged document is neither read nor parsed again.
Only documents that may be evidence are read (`readiness.project.documents`): never what
readiness wrote, templates, agent instructions, built bundles, fixtures or vendored code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from readiness.project import Project
from readiness.project import markdown as md
from readiness.project.documents import excluded, tool_output
from readiness.project.signals import query_name
from readiness.project.sourcetext import split_lines

A = TypeVar("A")
# bump when `parse` or what `Section` says of one changes
_PARSER = f"adoption.docs/2:{md.PARSER}"

DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".html", ".htm", ".txt")
# Plain-text files count as documents only where documents live (prompts are .txt too).
_TEXT_HOMES = re.compile(r"(^|/)(docs?|wiki|guides?|manual|help)/|(^|/)(readme|support)[^/]*$",
                         re.IGNORECASE)
TEST_PATH = re.compile(r"(^|/)(tests?|testing|fixtures?|__tests__)/|(^|/)test_[^/]*$|"
                       r"_test\.py$|\.(test|spec)\.[jt]sx?$", re.IGNORECASE)

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_ADOC = re.compile(r"^(={1,6})\s+(\S.*?)\s*$")
_HTML = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`*+#:.])\1{2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_PLACEHOLDER = re.compile(r"^\W*(tbd|tba|todo|wip|n/?a|coming soon|to (be|do)\b.*)\W*$",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Section:
    """A heading (empty before the first one) and the lines under it, up to the next heading.

    Sections are what a check's summary of one document is computed from; where they are is
    the caller's to say, so they carry no path."""

    line: int
    heading: str
    body: tuple[tuple[int, str], ...]
    level: int = 0  # 1-6 for Markdown headings; 0 before the first and in other formats
    items: tuple[tuple[int, str], ...] = ()  # Markdown list items
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()  # Markdown table rows, header first
    strong: tuple[tuple[int, str], ...] = ()  # Markdown bold text

    @property
    def substantive(self) -> bool:
        """Does the body say something (not empty, not a TBD placeholder)?"""
        return any(len(text.split()) >= 3 and not _PLACEHOLDER.match(text)
                   for _, text in self.body)

    def first_line(self, pattern: re.Pattern[str]) -> int | None:
        """The line of the heading or body text where ``pattern`` first matches."""
        if pattern.search(self.heading):
            return self.line
        return next((n for n, text in self.body if pattern.search(text)), None)


def is_document(rel: str) -> bool:
    """A document people wrote that may be evidence (its content is checked when read)."""
    lower = rel.lower()
    if not lower.endswith(DOC_SUFFIXES) or excluded(rel) is not None:
        return False  # the suffix first: most files are decided without a pattern
    return not lower.endswith(".txt") or bool(_TEXT_HOMES.search(rel))


def outlines(project: Project, query: str, summarise: Callable[[tuple[Section, ...]], A],
             *params: object) -> dict[str, A]:
    """``summarise`` of each document's sections, by path in path order, kept between runs.

    ``summarise`` sees one document's sections and must return plain values other than
    None; ``query`` names it and ``params`` everything else it depends on (its patterns).
    Documents that readiness wrote are left out.
    """
    by_style: dict[str, list[str]] = {}
    for rel in project.files:
        if is_document(rel):
            by_style.setdefault(style_of(rel.lower()), []).append(rel)
    found: dict[str, A | None] = {}
    for style, files in by_style.items():
        compute: Callable[[str], A | None] = functools.partial(
            _summarised, style=style, summarise=summarise)
        found.update(project.facts(files, query_name(query, _PARSER, style, *params), compute))
    return {rel: answer for rel in sorted(found) if (answer := found[rel]) is not None}


def _summarised(text: str, style: str, summarise: Callable[[tuple[Section, ...]], A]
                ) -> A | None:
    return None if tool_output(text) else summarise(parse(style, text))


def style_of(lower: str) -> str:
    """How a document marks its headings, by its suffix (every document has one of these)."""
    if lower.endswith((".md", ".markdown", ".txt")):
        return "markdown"
    if lower.endswith(".rst"):
        return "rst"
    return "adoc" if lower.endswith(".adoc") else "html"


def parse(style: str, text: str) -> tuple[Section, ...]:
    """Split one document into sections by its headings."""
    if style == "markdown":
        return tuple(Section(s.line, s.heading, s.body, s.level, s.items, s.rows, s.strong)
                     for s in md.sections(text))
    lines = split_lines(text)
    headings = _headings(style, lines)
    sections: list[Section] = []
    starts = [(0, "")] + sorted(headings.items())
    for index, (start, heading) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines) + 1
        first = start + 1 if start else 1
        body = tuple((n, _plain(lines[n - 1])) for n in range(first, end)
                     if n not in headings and not _UNDERLINE.match(lines[n - 1]))
        if start or any(t.strip() for _, t in body):
            sections.append(Section(start or 1, heading, body))
    return tuple(sections)


def _headings(style: str, lines: Sequence[str]) -> dict[int, str]:
    """Heading text by 1-based line number."""
    found: dict[int, str] = {}
    fenced = False
    markdown = style == "markdown"
    underlined = markdown or style == "rst"
    start = md.front_matter_end(lines) if markdown else 0
    for index in range(start, len(lines)):
        line = lines[index]
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        title = _heading_on(style, line)
        if title is None and underlined and index + 1 < len(lines):
            title = _underlined(line, lines[index + 1])
        if title:
            found[index + 1] = title
    return found


def _heading_on(style: str, line: str) -> str | None:
    if style == "markdown" and (match := _ATX.match(line)):
        return _plain(match.group(2))
    if style == "adoc" and (match := _ADOC.match(line)):
        return match.group(2)
    if style == "html" and (match := _HTML.search(line)):
        return _plain(match.group(1))
    return None


def _underlined(line: str, below: str) -> str | None:
    text = line.strip()
    if not text or _UNDERLINE.match(line) or not _UNDERLINE.match(below):
        return None
    if len(below.strip()) < min(len(text), 3) or text.startswith(("-", "*", "|", ">")):
        return None
    return _plain(text)




def _plain(text: str) -> str:
    """Text without HTML tags and Markdown emphasis, for matching."""
    return _TAG.sub(" ", text).replace("**", "").replace("__", "").strip()


def under(paths: Iterable[str], folder: str) -> list[str]:
    """Those of ``paths`` inside ``folder`` (or the file itself), in path order."""
    folder = folder.strip("/")
    return [rel for rel in sorted(paths) if rel == folder or rel.startswith(folder + "/")]
