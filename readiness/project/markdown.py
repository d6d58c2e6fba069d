"""Markdown documents by structure: headings, the sections under them, lists, tables and bold.

Parsed with markdown-it-py (CommonMark plus GitHub tables), so a ``#`` inside a fenced code
block is not a heading, a table is rows of cells rather than lines with pipes, and a bold name
is the text between ``**`` marks wherever it wraps. Front matter (``---`` ... ``---`` at the
top) is left out. Line numbers are 1-based, as the scanned file shows them.

The parse is a pure function of the text; callers that keep answers between runs (the
document outlines of the adoption checks) cache what they derive from it per file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

PARSER = "markdown-it-commonmark+table/1"  # bump when what `sections` says changes
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")

Line = tuple[int, str]  # a line number and the plain text on it


@dataclass(frozen=True)
class MarkdownSection:
    """A heading (empty before the first one) and what stands under it up to the next one."""

    line: int
    level: int  # 1-6; 0 for the text before the first heading
    heading: str
    body: tuple[Line, ...]  # every source line under the heading, as plain text
    items: tuple[Line, ...]  # list items (their first paragraph)
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # table rows, the header row first
    strong: tuple[Line, ...]  # bold text


def plain(text: str, links: bool = True) -> str:
    """Text without HTML tags and Markdown emphasis (and link targets unless ``links``)."""
    text = _TAG.sub(" ", text)
    return _EMPHASIS.sub("", text if links else _LINK.sub(r"\1", text)).strip()


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def sections(text: str) -> tuple[MarkdownSection, ...]:
    """Split one Markdown document into sections by its headings (ATX and setext)."""
    lines = text.splitlines()
    start = front_matter_end(lines)
    source = "\n" * start + "\n".join(lines[start:])
    tokens = _parser().parse(source)
    heads: list[tuple[int, int, int, str]] = []  # first line, end line, level, text
    items: list[Line] = []
    rows: list[tuple[int, tuple[str, ...]]] = []
    strong: list[Line] = []
    row: list[str] = []
    row_line = 0
    in_item = 0
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            heads.append((token.map[0] + 1, token.map[1], int(token.tag[1]),
                          plain(tokens[index + 1].content, links=False)))
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "tr_open" and token.map:
            row, row_line = [], token.map[0] + 1
        elif token.type == "tr_close":
            rows.append((row_line, tuple(row)))
        elif token.type == "inline" and token.map:
            first = token.map[0] + 1
            if tokens[index - 1].type in ("th_open", "td_open"):
                row.append(plain(token.content))
            elif in_item and tokens[index - 1].type == "paragraph_open" and _item_start(tokens,
                                                                                      index):
                items.append((first, plain(token.content.split("\n", 1)[0])))
            strong += _strong(token, first)
    return _split(lines, start, heads, items, rows, strong)


def _item_start(tokens: list[Token], index: int) -> bool:
    """Is this inline the first paragraph of a list item (not a later one)?"""
    return index >= 2 and tokens[index - 2].type == "list_item_open"


def _strong(token: Token, first: int) -> list[Line]:
    found: list[Line] = []
    line, depth, words = first, 0, ""
    for child in token.children or ():
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "strong_open":
            depth, words, at = depth + 1, "", line
        elif child.type == "strong_close" and depth:
            depth -= 1
            if words.strip():
                found.append((at, words.strip()))
        elif depth and child.type in ("text", "code_inline"):
            words += child.content
    return found


def _split(lines: list[str], skip: int, heads: list[tuple[int, int, int, str]], items: list[Line],
           rows: list[tuple[int, tuple[str, ...]]], strong: list[Line]
           ) -> tuple[MarkdownSection, ...]:
    heading_lines = {n for first, end, _, _ in heads for n in range(first, end + 1)}
    starts = [(1, 0, 0, "")] + heads
    found: list[MarkdownSection] = []
    for index, (first, end, level, title) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(lines) + 1
        begin = end + 1 if level else skip + 1

        def inside(number: int, lo: int = begin, hi: int = stop) -> bool:
            return lo <= number < hi

        body = tuple((n, plain(lines[n - 1])) for n in range(begin, stop)
                     if n not in heading_lines and n <= len(lines))
        if not level and not any(text for _, text in body):
            continue
        found.append(MarkdownSection(
            first, level, title, body, tuple(i for i in items if inside(i[0])),
            tuple(r for r in rows if inside(r[0])), tuple(s for s in strong if inside(s[0]))))
    return tuple(found)


def front_matter_end(lines: Sequence[str]) -> int:
    """The index of the first line after a YAML front-matter block (0 without one)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return index + 1
    return 0
