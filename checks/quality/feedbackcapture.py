"""Where users can flag an answer (feedback-loop): HTTP endpoints and URL routes, Next.js API
routes, Slack reaction handlers, Streamlit and Gradio widgets, LangSmith, Braintrust and
Langfuse feedback calls, thumbs up/down controls in code and templates, each with the lines
of the code that handles it. Computed once per run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from readiness.project import signals
from readiness.project.signals import Hit, Lang, query_name
from readiness.project.snapshot import Project
from readiness.project.sourcetext import gate_words, split_lines

from .feedbackscan import (
    Alternatives,
    Row,
    functions_of,
    gated_search,
    parsed_functions,
    search_later,
)

_SEGMENT = r"(?:feedback|flags?|ratings?|rate|thumbs[-_]?(?:up|down)?|votes?)"
_CAPTURE = Alternatives([  # each starts with a literal (see Alternatives)
    ("endpoint", r"""\.(?:post|put|patch|route|api_route|all)\(\s*["'`][^"'`\n]*/"""
                 rf"""(?:[\w-]*[-_])?{_SEGMENT}(?=[/"'`?{{])""", ""),
    ("django", r"""(?:re_path(?<=\bre_path)|path(?<=\bpath))\(\s*r?["']\^?(?:[\w/-]*/)?"""
               rf"""{_SEGMENT}\b""", "path("),
    ("slack", r"""["']reaction_added["']""", "reaction_added"),
    ("slack", r"""on_reaction_add(?<=\bon_reaction_add)\b""", "on_reaction_add"),
    ("slack", r"""onMessageReaction(?<=\bonMessageReaction)\w*""", "onMessageReaction"),
    ("streamlit", r"""st(?<=\bst)\.feedback\(""", "st.feedback("),
    ("streamlit", r"""streamlit_feedback(?<=\bstreamlit_feedback)\(""", "streamlit_feedback("),
    ("gradio", r"""\.like\(\s*\w+""", ".like("),
    ("langsmith", r"""(?:create_feedback(?<=\bcreate_feedback)|"""
                  r"""createFeedback(?<=\bcreateFeedback))\(""", ""),
    ("braintrust", r"""(?:log_feedback(?<=\blog_feedback)|logFeedback(?<=\blogFeedback))\(""",
     ""),
    # Chainlit shows thumbs on every answer and its data layer persists them (upsert_feedback)
    ("chainlit", r"""@(?:cl|chainlit)\.data_layer\b""", ".data_layer"),
    ("chainlit", r"""_data_layer(?<=\b_data_layer)\s*=\s*\w""", "_data_layer"),
    ("chainlit", r"""class(?<=\bclass)\s+\w+\(\s*(?:cl_data\.|data\.)?BaseDataLayer\s*\)""",
     "BaseDataLayer"),
    ("chainlit", r"""def(?<=\bdef)\s+upsert_feedback\(""", "upsert_feedback("),
])
_LANGFUSE = re.compile(r"\b(?:create_score|score_current_trace|score_current_span)\(|"
                       r"\b\w*(?:langfuse|trace|span|generation)\w*\.score\(", re.IGNORECASE)
_UI = re.compile(
    r"""(?i)aria-label\s*=\s*\{?\s*["'`](?:thumbs?[\s-]?(?:up|down)|(?:not\s+)?helpful|"""
    r"""(?:bad|good|wrong)\s+(?:response|answer)|report\s+(?:this\s+)?(?:answer|response)|"""
    r"""flag\s+(?:this\s+)?(?:answer|response)|rate\s+(?:this\s+)?(?:answer|response))|"""
    r"""(?-i:\b(?:on|handle)(?:Feedback\w*|Thumbs?(?:Up|Down)\w*|(?:Rate|Rating|Vote|Flag)"""
    r"""(?:Answer|Response|Message|Reply)?)\s*[=(:])|"""
    r"""(?-i:<(?:ThumbsUp|ThumbsDown|ThumbUp|ThumbDown|HandThumb(?:Up|Down))\w*\b)""")
_UI_SUFFIXES = (".html", ".htm", ".vue", ".svelte", ".jinja", ".jinja2", ".j2", ".hbs")


class Capture(NamedTuple):
    """Where users can flag an answer, and the code that handles it."""

    hit: Hit
    scope: tuple[int, int]  # lines of the handler (the whole file when unknown)


def feedback_captures(project: Project) -> list[Capture]:
    """Endpoints, handlers, widgets and UI controls that let users flag an answer."""
    return project.shared("feedback.captures", _find_captures)


def captures_later(project: Project) -> None:
    """Start the searches of ``feedback_captures`` for the workers' idle moments."""
    for pattern, words in ((_CAPTURE, _CAPTURE_WORDS), (_LANGFUSE, _LANGFUSE_WORDS),
                           (_UI, _UI_WORDS)):
        search_later(project, pattern, words)


def _find_captures(project: Project) -> list[Capture]:
    found = gated_search(project, _CAPTURE, _CAPTURE_WORDS)
    gradio = mentioning(project, [h.path for h in found if h.kind == "gradio"], "gradio")
    hits = [h for h in found if h.kind != "gradio" or h.path in gradio]  # not SQL .like()
    hits += [h._replace(kind="langfuse") for h in gated_search(project, _LANGFUSE, _LANGFUSE_WORDS)]
    hits += [h._replace(kind="ui") for h in gated_search(project, _UI, _UI_WORDS)]
    hits += _markup_hits(project)
    hits += _next_routes(project)
    hits = _client_calls(project, hits)
    captures = [Capture(h, _scope(project, h)) for h in hits]
    return sorted(set(captures), key=lambda c: (c.hit.kind == "ui", c.hit.path, c.hit.line))


# Substrings every match of a pattern contains (lowercased), to skip files cheaply; gate
# words, so that a kept text's one lower-cased pass answers them (``lower_holds_any``).
_CAPTURE_WORDS = gate_words(("data_layer", "basedatalayer", "feedback", "/flag", "flag/",
                             "/rat", "rating/", "rate/", "thumb", "/vote", "vote/", "reaction",
                             ".like("))
_UI_WORDS = gate_words(("thumb", "aria-label", "feedback", "onrat", "handlerat", "onvote",
                        "handlevote", "onflag", "handleflag"))
_LANGFUSE_WORDS = gate_words(("langfuse",))


def _client_calls(project: Project, hits: list[Hit]) -> list[Hit]:
    """A Python ``x.post("/feedback", ...)`` outside a decorator is no route: it sends the flag
    to an HTTP API (``api``: mem0's client posts it to its platform's ``/v1/feedback/``).
    When the project serves a feedback route itself, that route is judged, not the call."""
    python = sorted({h.path for h in hits if h.kind == "endpoint" and h.path.endswith(".py")})
    functions = parsed_functions(project, python) if python else {}
    sent = {h for h in hits if h.kind == "endpoint" and functions.get(h.path) is not None
            and not any(0 < first <= h.line < line
                        for _name, first, line, _end in functions[h.path] or ())}
    if any(h.kind in ("endpoint", "django") and h not in sent for h in hits):
        return [h for h in hits if h not in sent]
    return [h._replace(kind="api") if h in sent else h for h in hits]


def mentioning(project: Project, paths: Sequence[str], word: str) -> set[str]:
    """Those of ``paths`` whose text has ``word`` (case-insensitively)."""
    found = project.facts(sorted(set(paths)), query_name("feedback.mentions/1", word),
                          functools.partial(_mentions, word))
    return {rel for rel, yes in found.items() if yes}


def _mentions(word: str, text: str) -> bool:
    return word in text.lower()


def _markup_hits(project: Project) -> list[Hit]:
    files = [rel for rel in project.files
             if rel.lower().endswith(_UI_SUFFIXES) and not signals.is_test_path(rel)]
    found = project.facts(files, query_name("feedback.markup/1", _UI.pattern), _markup_controls)
    return [Hit(rel, line, text, "ui") for rel, rows in found.items() for line, text in rows]


def _markup_controls(text: str) -> tuple[Row, ...]:
    """Thumbs up/down controls in one HTML-like template, outside <!-- comments -->."""
    text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text,
                  flags=re.DOTALL)
    return tuple((text.count("\n", 0, m.start()) + 1, m.group(0)) for m in _UI.finditer(text))


_NEXT_ROUTE = re.compile(rf"(?:^|/)(?:pages|app)/api/(?:[\w\[\]-]+/)*{_SEGMENT}"
                         r"(?:/route)?\.[jt]sx?$")
_HANDLER = re.compile(r"export\s+(?:default\s+)?(?:async\s+)?function\s*(?:POST|PUT|PATCH|"
                      r"handler)?\b|export\s+const\s+(?:POST|PUT|PATCH)\b")


def _next_routes(project: Project) -> list[Hit]:
    files = [s.path for s in signals.sources(project)
             if s.lang is Lang.JAVASCRIPT and not s.test and _NEXT_ROUTE.search(s.path)]
    found = project.facts(files, query_name("feedback.next_route/1", _HANDLER.pattern),
                          _route_handler)
    return [Hit(rel, *row, "endpoint") for rel, row in found.items() if row is not None]


def _route_handler(text: str) -> Row | None:
    """The exported request handler of one Next.js API route."""
    src = signals.Source("", Lang.JAVASCRIPT, text, False)
    match = _HANDLER.search(src.code)
    return (src.line_at(match.start()), match.group(0)) if match else None


def _scope(project: Project, hit: Hit) -> tuple[int, int]:
    """The decorated function a Python capture belongs to; else the whole file."""
    lines = project.facts([hit.path], "feedback.lines/1", _line_count).get(hit.path, 0)
    functions = functions_of(project, [hit.path]) if hit.path.endswith(".py") else {}
    for _name, first, line, end in functions.get(hit.path, ()):
        if first and first <= hit.line <= line:
            return first, end
    return 1, lines or 1


def _line_count(text: str) -> int:
    return len(split_lines(text))
