"""feedback-loop's searches written as ``Alternatives`` (one literal-first regex per
alternative, for speed) find exactly what the single regexes they replace found: the same
matches, extents and kinds, on texts dense with near-misses."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.checks.quality.feedbackcapture import _CAPTURE, _SEGMENT
from readiness.checks.quality.feedbackscan import Alternatives, gated_search
from readiness.checks.quality.feedbackstore import _STORE, NAMED

from readiness.project import Project, signals
from tests.conftest import MakeProject

# The regexes as written before the split: the oracle.
OLD_CAPTURE = re.compile(
    rf"""(?P<endpoint>\.(?:post|put|patch|route|api_route|all)\(\s*["'`][^"'`\n]*/"""
    rf"""(?:[\w-]*[-_])?{_SEGMENT}(?=[/"'`?{{]))|"""
    rf"""(?P<django>\b(?:re_)?path\(\s*r?["']\^?(?:[\w/-]*/)?{_SEGMENT}\b)|"""
    r"""(?P<slack>["']reaction_added["']|\bon_reaction_add\b|\bonMessageReaction\w*)|"""
    r"""(?P<streamlit>\bst\.feedback\(|\bstreamlit_feedback\()|"""
    r"""(?P<gradio>\.like\(\s*\w+)|"""
    r"""(?P<langsmith>\b(?:create_feedback|createFeedback)\()|"""
    r"""(?P<braintrust>\b(?:log_feedback|logFeedback)\()|"""
    r"""(?P<chainlit>@(?:cl|chainlit)\.data_layer\b|\b_data_layer\s*=\s*\w|"""
    r"""\bclass\s+\w+\(\s*(?:cl_data\.|data\.)?BaseDataLayer\s*\)|"""
    r"""\bdef\s+upsert_feedback\()""")
OLD_STORE = re.compile(
    rf"""(?P<model>\bclass\s+{NAMED}\s*\((?:[^)]*\b(?:Base|Model|DeclarativeBase|Document|"""
    r"""table\s*=\s*True)\b)[^)]*\))|"""
    rf"""(?P<table>__tablename__\s*=\s*["']{NAMED}["']|\bTable\(\s*["']{NAMED}["'])|"""
    r"""(?P<sql>(?i:\b(?:insert\s+into|create\s+table(?:\s+if\s+not\s+exists)?)\s+["`]?"""
    r"""(?:\w+\.)?(?:\w*feedback\w*|(?:answer|response|message|chat|user|output)?_?"""
    r"""(?:flag|rating|vote)s?)\b))|"""
    rf"""(?P<orm_write>\b(?:prisma|db|supabase|firestore)\w*\.{NAMED}\.(?:create|upsert|"""
    rf"""createMany|insert|insert_one|insertOne|add)\(|\b{NAMED}\.objects\.create\(|"""
    rf"""\.(?:collection|table|from_|from)\(\s*["']{NAMED}["']\s*\)\s*\.(?:insert|add|"""
    r"""upsert|set|insert_one|insertOne)\()""")

# Pieces of matches and of near-misses (a word glued before, another case, a prefix only).
FRAGMENTS = [
    "@app.post('/api/feedback')", "router.put(\"/v1/ratings/\"", ".route('/thumbs-up?", "x.all(`/",
    "re_path(r'^feedback/'", "path('votes/'", "xpath('flags'", "are_path(",
    "'reaction_added'", "on_reaction_add", "xon_reaction_add", "onMessageReactionAdd",
    "st.feedback(", "bst.feedback(", "streamlit_feedback(", ".like(fn", ".like( ",
    "create_feedback(", "createFeedback(", "log_feedback(", "xlog_feedback(", "logFeedback(",
    "@cl.data_layer", "@chainlit.data_layer", "self._data_layer = x", "my_data_layer =",
    "class Layer(cl_data.BaseDataLayer)", "class X(BaseDataLayer )", "def upsert_feedback(",
    "class Feedback(Base)", "class AnswerFlag(models.Model)", "class Votes(Document)",
    "class Feedbacks(table=True)", "subclass Feedback(Base)", "__tablename__ = 'feedback'",
    "Table('user_ratings'", "aTable('votes'", "INSERT INTO feedback", "insert  into app.votes",
    "Insert Into message_flags", "reinsert into feedback", "CREATE TABLE IF NOT EXISTS ratings",
    "create table chat_votes", "Create Table x", "prisma.feedback.create(", "db.userFlag.add(",
    "mydb.feedback.insert(", "supabase_client.feedback.upsert(", "firestore.votes.insertOne(",
    "Feedback.objects.create(", "AiFeedback.objects.create(", ".collection('feedback').add(",
    ".from_(\"ratings\") .insert(", ".table('votes').set(",
    " ", "\n", "(", ")", "_", "x", "'", "\"", ".", "/", "É",
]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)


def found_old(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.lastgroup or "") for m in pattern.finditer(text)]


def found_new(pattern: Alternatives, text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), kind) for m, kind in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_capture_finds_what_the_single_regex_found(text: str) -> None:
    assert found_new(_CAPTURE, text) == found_old(OLD_CAPTURE, text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_store_finds_what_the_single_regex_found(text: str) -> None:
    assert found_new(_STORE, text) == found_old(OLD_STORE, text)


def test_at_one_position_the_first_entry_wins_and_the_search_goes_on_after_it() -> None:
    both = Alternatives([("short", r"ab", ""), ("long", r"abc", ""), ("c", r"c", "c")])
    assert found_new(both, "abc abc") == [(0, 2, "short"), (2, 3, "c"), (4, 6, "short"),
                                          (6, 7, "c")]
    # an entry whose literal is absent is not searched; one overtaken looks again
    over = Alternatives([("x", r"xy", "xy"), ("y", r"y+", "")])
    assert found_new(over, "yy xy yxy") == [(0, 2, "y"), (3, 5, "x"), (6, 7, "y"),
                                            (7, 9, "x")]


def test_the_feedback_searches_blank_each_file_once(make_project: MakeProject) -> None:
    """Two searches over the same files: the second takes the blanked texts the first made
    (``signals.blanked_texts``), and finds what a search of its own blanking finds."""
    root = make_project({
        "app/a.py": "# feedback in a comment\nclass FeedbackStore:\n    rating = 1\n",
        "app/b.py": "def vote(x):\n    return x  # feedback\n",
        "app/c.py": "x = 1\n",
    })
    project = Project(root, jobs=1)
    blanked = signals.blanked_texts(project)
    pattern = re.compile(r"class\s+\w*Feedback\w*")
    first = gated_search(project, pattern, ("feedback",))
    made = dict(blanked)
    assert len(made) == 2  # the two files holding the word, once each
    second = gated_search(project, re.compile(r"rating\s*="), ("rating", "feedback"))
    assert dict(blanked) == made and all(blanked[key] is made[key] for key in made)
    assert [(h.path, h.line) for h in first] == [("app/a.py", 2)]
    assert [(h.path, h.line) for h in second] == [("app/a.py", 3)]
