"""Escaping for text that comes from the scanned repository, one function per output syntax.

Every string in a :class:`~readiness.model.Scorecard` may come from a hostile repository:
file names, messages built from file contents, waiver reasons, even check titles (declarative
YAML checks live in the scanned repository). The renderers therefore pass *every* string
through one of these functions and never build markup from raw text.

Control characters are made visible rather than dropped, so that a reviewer can see that a
file name contains an escape sequence instead of being shown a silently different name.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

# Controls are shown as Python-style escapes (\x1b, \u202e): plain ASCII, so they read the
# same in every font (the Unicode control pictures are missing from many), and a reviewer
# sees exactly which character a name contains.
# Characters that reorder or hide text (Trojan Source, CVE-2021-42574) are shown the same way.
_BIDI = frozenset(
    [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E]
    + [0x2066, 0x2067, 0x2068, 0x2069]
)
# Characters that take no room on screen: a name holding one looks like another name.
_INVISIBLE = frozenset([0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C,
                        0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x3164, 0xFEFF, 0xFFA0])
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
ELLIPSIS = "\u2026"


def _visible_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if (code in _BIDI or code in _INVISIBLE or code in (0xFFFE, 0xFFFF)
            or 0xD800 <= code <= 0xDFFF or 0xE0000 <= code <= 0xE007F):
        # bidi overrides, invisible characters (zero-width, tags), non-characters, lone
        # surrogates (from surrogateescape'd names)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


_NEEDS_WORK = re.compile("[\x00-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5"
                         "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                         "\u3164\ufeff\uffa0\ud800-\udfff\ufffe\uffff\U000e0000-\U000e007f]")


def visible(text: str, keep: str = "") -> str:
    """Replace every control, bidi-override and non-character with a visible stand-in.

    Tabs and line breaks are control characters too; pass them in ``keep`` to keep them.
    """
    if not _NEEDS_WORK.search(text):
        return text
    return "".join(ch if ch in keep else _visible_char(ch) for ch in text)


def one_line(text: str) -> str:
    """Text on exactly one line: line breaks and tabs become spaces, controls become visible.

    A message with an embedded newline could otherwise forge a row of its own in a table or
    a report (``"ok\\nINF001 pass"``).
    """
    return visible(_LINE_BREAKS.sub(" ", text).replace("\t", " "))


def visible_lines(text: str) -> str:
    """Keep line breaks (normalised to ``\\n``) and tabs; make every other control visible."""
    return visible(_LINE_BREAKS.sub("\n", text), keep="\t\n")


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, keeping both ends (paths end in the file).

    >>> shorten("abcdefghij", 5)
    'ab…ij'
    """
    if len(text) <= limit:
        return text
    keep = limit - 1
    head = (keep + 1) // 2
    return text[:head] + ELLIPSIS + text[len(text) - (keep - head):]


def plain(value: Any) -> str:
    """Deterministic display text for any value from config, telemetry or evidence."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted
        return str(value)


# --- CI logs ------------------------------------------------------------------------------

# CI runners read commands from the log: GitHub Actions a line starting with ``::name``
# (after blanks), and its older ``##[name]`` anywhere in a line, as does Azure Pipelines'
# ``##vso[``. None of these is ever in our own text, so any that a rendered report holds
# came from the repository, and one of its characters is written as an escape of the
# report's own syntax: the report says the same, and the log sees no command.
_CI_COMMAND = re.compile(r"(?m)^([ \t]*):(?=:)|#(?=#(?:\[|vso\[))")
_CI_ESCAPES = {  # format: (":" , "#") as that format writes them without meaning anything else
    "terminal": ("\\x3a", "\\x23"),
    "json": ("\\u003a", "\\u0023"),
    "sarif": ("\\u003a", "\\u0023"),
    "html": ("&#58;", "&#35;"),
    "junit": ("&#58;", "&#35;"),
    "markdown": ("&#58;", "&#35;"),
}


_SURROGATE = re.compile("[\ud800-\udfff]")


def for_output(text: str, fmt: str = "terminal") -> str:
    """The last step before any report or listing is written: nothing that reads as a CI
    command (``ci_safe``), and file-name bytes that are not UTF-8 (kept by Python as lone
    surrogates) written as ``\\udcXX``: a JSON escape in JSON, which decodes back to the
    same name, and the same visible text elsewhere. The output is always valid UTF-8."""
    text = ci_safe(text, fmt)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def ci_safe(text: str, fmt: str = "terminal") -> str:
    """``text`` (a whole rendered report in ``fmt``) with nothing a CI runner reads as a
    workflow command: a line starting ``::`` and ``##[`` / ``##vso[`` anywhere."""
    if "::" not in text and "##" not in text:
        return text
    colon, hash_ = _CI_ESCAPES.get(fmt, _CI_ESCAPES["terminal"])
    return _CI_COMMAND.sub(lambda m: m.group(1) + colon if m.group(1) is not None else hash_,
                           text)


# --- HTML -------------------------------------------------------------------------------


def html_text(text: str, limit: int | None = None) -> str:
    """Escape for HTML text or a quoted attribute value, on one line, optionally shortened."""
    line = one_line(text)
    if limit is not None:
        line = shorten(line, limit)
    return html.escape(line, quote=True)


# --- Markdown (GitHub Flavored) ---------------------------------------------------------

# Backslash escapes work for any ASCII punctuation in CommonMark; these are the characters
# that open emphasis, code, links, images, strike-through, headings, math ($ on GitHub) or
# table cells anywhere in a line. Others matter only at the start of a line (lists,
# setext headings), which the second pattern covers.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~$])")
# A list marker, or a line of only - or = (a setext underline or a thematic break).
_MD_AUTOLINK = re.compile(r"(?i)(https?|ftp)(://)|(?<![\w.])(www)(\.)")
_MD_LEADING = re.compile(r"^(\d{1,9})?([.)]|(?<![0-9])[-+])(?=\s|$)|^([-=])(?=[-=\s]*$)")


def md_text(text: str, limit: int | None = 300) -> str:
    """Escape repository text for GitHub Markdown, safe inside a table cell or a list item.

    One line; HTML made inert with entities; Markdown punctuation backslash-escaped
    (``|`` included, which GFM tables honour even inside other spans); ``@`` followed by a
    zero-width space so a string like ``@org/team`` cannot notify anyone from a PR comment.
    """
    line = one_line(text)
    if limit is not None:
        line = shorten(line, limit)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _MD_SPECIAL.sub(r"\\\1", line)
    line = line.strip()  # GFM would trim them anyway; two trailing ones make a line break
    line = _MD_LEADING.sub(_escape_leading, line)
    # GitHub turns bare URLs, www. names and e-mail addresses into links; a zero-width
    # space keeps a repository's URL visible but not clickable.
    line = _MD_AUTOLINK.sub(lambda m: "&#8203;".join(g for g in m.groups() if g), line)
    return line.replace("@", "@&#8203;")


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(3):
        return "\\" + match.group(3)
    return (match.group(1) or "") + "\\" + match.group(2)


def md_code(text: str, limit: int | None = 120) -> str:
    """Repository text shown monospaced: ``<code>`` around :func:`md_text`.

    A backtick code span cannot escape ``|`` outside a table or a trailing backslash inside
    one; inline ``<code>`` with escaped content has neither problem.
    """
    escaped = md_text(text, limit)
    return f"<code>{escaped}</code>" if escaped else ""


# --- XML (JUnit) ------------------------------------------------------------------------


def xml_text(text: str) -> str:
    """Escape for XML 1.0 character data; line breaks kept, illegal characters made visible."""
    return _xml_escape(visible_lines(text))


def xml_attr(text: str, limit: int | None = None) -> str:
    """Escape for a double-quoted XML 1.0 attribute: one line, illegal characters visible."""
    line = one_line(text)
    if limit is not None:
        line = shorten(line, limit)
    return _xml_escape(line).replace('"', "&quot;")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
