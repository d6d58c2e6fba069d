"""The launch-review formats: Markdown, HTML, SARIF and JUnit XML.

Golden files hold the reviewed output for each fixture scorecard; set
``READINESS_UPDATE_GOLDEN=1`` to rewrite them on purpose, then review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from readiness.model import Evidence, Scorecard
from readiness.report import escape, html, junit, markdown, sarif
from tests import report_fixtures as fx

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
RENDERERS: dict[str, Callable[[Scorecard], str]] = {
    "md": markdown.render, "html": html.render, "sarif": sarif.render,
    "junit.xml": junit.render,
}
CASES = [(name, fmt) for name in fx.SCORECARDS for fmt in RENDERERS]
# Everything a terminal, XML 1.0 or a reader would choke on or be fooled by.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069\u2028\u2029]")


def render(name: str, fmt: str) -> str:
    return RENDERERS[fmt](fx.SCORECARDS[name]())


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_golden(name: str, fmt: str) -> None:
    path = GOLDEN / f"{name}.{fmt}"
    out = render(name, fmt).encode("utf-8")
    if os.environ.get("READINESS_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(out)
    assert out == path.read_bytes(), f"{path.name} changed; READINESS_UPDATE_GOLDEN=1 rewrites"


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_output_is_deterministic_and_free_of_control_characters(name: str, fmt: str) -> None:
    out = render(name, fmt)
    assert out == render(name, fmt)
    assert "\x1b" not in out
    assert FORBIDDEN.search(out) is None, repr(FORBIDDEN.search(out))
    assert out.endswith("\n")


@pytest.mark.parametrize("fmt", RENDERERS)
def test_hostile_markup_never_appears_raw(fmt: str) -> None:
    out = render("hostile", fmt)
    assert "<script" not in out.lower()
    assert "<img" not in out.lower() and "<svg onload" not in out.lower()
    if fmt == "md":  # brackets are escaped; elsewhere they are inert text
        assert "[bold red]x[/]" not in out


# --- escaping helpers -----------------------------------------------------------------------


def test_visible_shows_controls_as_ascii_escapes() -> None:
    assert escape.visible("a\x1b[31m\x07\x9b\u202e\x7f") == "a\\x1b[31m\\x07\\x9b\\u202e\\x7f"
    assert escape.visible("tab\there", keep="\t") == "tab\there"
    assert escape.visible("\udcff") == "\\udcff"  # a surrogate-escaped byte of a file name
    assert escape.visible("plain ünïcode ✓") == "plain ünïcode ✓"


def test_one_line_joins_every_kind_of_line_break() -> None:
    assert escape.one_line("a\nb\r\nc\rd\u2028e\u0085f\tg") == "a b c d e f g"


def test_shorten_keeps_both_ends() -> None:
    assert escape.shorten("abcdefghij", 5) == "ab…ij"
    assert escape.shorten("abc", 5) == "abc"
    assert len(escape.shorten(fx.LONG_PATH, 160)) == 160
    assert escape.shorten(fx.LONG_PATH, 160).endswith("x.py")


@pytest.mark.parametrize(("text", "expected"), [
    ("a|b", "a\\|b"),
    ("`x`", "\\`x\\`"),
    ("<b>&", "&lt;b&gt;&amp;"),
    ("[x](javascript:y)", "\\[x\\](javascript:y)"),
    ("# title", "\\# title"),
    ("- item", "\\- item"),
    ("1. item", "1\\. item"),
    ("---", "\\---"),
    ("0.4.0 and 10.5%", "0.4.0 and 10.5%"),
    ("snake_case *x* ~~y~~ $z$", "snake\\_case \\*x\\* \\~\\~y\\~\\~ \\$z\\$"),
    ("ping @everyone", "ping @&#8203;everyone"),
    ("see http://evil/x and www.evil.com", "see http&#8203;://evil/x and www&#8203;.evil.com"),
    ("back\\slash", "back\\\\slash"),
    ("two\nlines", "two lines"),
])
def test_md_text(text: str, expected: str) -> None:
    assert escape.md_text(text) == expected


def test_xml_escaping_keeps_lines_in_text_but_not_in_attributes() -> None:
    assert escape.xml_text('a<b>&"\n\x1b') == 'a&lt;b&gt;&amp;"\n\\x1b'
    assert escape.xml_attr('a<"\nb') == "a&lt;&quot; b"


# --- Markdown -------------------------------------------------------------------------------


def _unescaped_pipes(line: str) -> int:
    count, backslashes = 0, 0
    for ch in line:
        if ch == "|" and backslashes % 2 == 0:
            count += 1
        backslashes = backslashes + 1 if ch == "\\" else 0
    return count


@pytest.mark.parametrize("name", fx.SCORECARDS)
def test_markdown_table_rows_keep_their_column_count(name: str) -> None:
    tables: list[list[str]] = []
    previous_was_table = False
    for line in render(name, "md").splitlines():
        if line.startswith("|"):
            if not previous_was_table:
                tables.append([])
            tables[-1].append(line)
        previous_was_table = line.startswith("|")
    assert tables
    for table in tables:
        assert len({_unescaped_pipes(row) for row in table}) == 1, table[0]


class _Tags(HTMLParser):
    """Collects tags, attributes and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Tags:
    parser = _Tags()
    parser.feed(document)
    parser.close()
    return parser


MARKDOWN_TAGS = {"h2", "h3", "h4", "p", "strong", "em", "code", "sub", "br", "table", "thead",
                 "tbody", "tr", "th", "td", "ul", "ol", "li", "blockquote", "details", "summary"}


@pytest.mark.parametrize("name", fx.SCORECARDS)
def test_markdown_renders_to_only_our_own_elements(name: str) -> None:
    from markdown_it import MarkdownIt  # rich's dependency; CommonMark with raw HTML on

    rendered = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(
        render(name, "md"))
    parsed = _parse(rendered)
    assert set(parsed.tags) <= MARKDOWN_TAGS, set(parsed.tags) - MARKDOWN_TAGS
    assert parsed.attrs == [(tag, "style", value) for tag, _, value in parsed.attrs
                            if tag in ("th", "td")]  # only table alignment
    text = "".join(parsed.text)
    if name == "hostile":
        assert fx.SCRIPT in text  # shown, as text
        assert "| a | b |" in text
        assert "@everyone" not in text  # a zero-width space stops the mention


def test_markdown_lists_blockers_waivers_evals_and_truncates_evidence() -> None:
    out = render("no_go", "md")
    assert "## ❌ NO-GO for soft launch · invoice-extractor" in out
    assert "**Week 12 of 16 · phase: training &amp; change management**" in out
    assert "### Blockers (3)" in out and "| Ana Lima |" in out
    assert "w6 (overdue 6 weeks)" in out
    assert "| dead-letter-queue | Sam Okafor | 2027-01-15 |" in out
    assert "<code>src/extract.py:41</code>" in out
    assert "and 3 more" in out  # 6 call sites, 3 shown
    assert "| vendor-contracts | edge\\_case\\_upside\\_down ◀ weakest | 41 | 61.0% |" in out
    assert "| Quality | 52 | ██████████░░░░░░░░░░ ◀ weakest |" in out
    assert "<details>" in out and "All 19 checks" in out


def test_markdown_stays_within_a_github_comment() -> None:
    sc = fx.no_go()
    many = tuple(fx.result(f"BIG{i:03d}", f"check-{i}", r.gap, r.status, "x" * 250,
                           evidence=r.evidence)
                 for i, r in enumerate(sc.results * 20))
    out = markdown.render(dataclasses.replace(sc, results=many))
    assert len(out) <= markdown.COMMENT_LIMIT
    assert "The full list of 380 checks is too long for a comment" in out
    assert f"### {markdown.NOT_BLOCKING} (160)" in out and "<summary>All" not in out
    assert "more: see the HTML or JSON report." in out


def test_markdown_for_go_has_no_blockers() -> None:
    out = render("go", "md")
    assert "> [!TIP]" in out
    assert "### Blockers\n\nNone: every blocking check due by the gate passes" in out


# --- HTML -----------------------------------------------------------------------------------

HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "p", "b", "code",
             "section", "h1", "h2", "h3", "ul", "ol", "li", "svg", "rect", "text", "line",
             "g", "table", "colgroup", "col", "tr", "th", "td", "span", "div", "details",
             "summary"}
HTML_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class", "title",
                   "viewbox", "role", "aria-label", "x", "y", "x1", "x2", "y1", "y2",
                   "width", "height", "rx", "preserveaspectratio", "textlength",
                   "lengthadjust"}


@pytest.mark.parametrize("name", fx.SCORECARDS)
def test_html_is_self_contained_and_has_only_our_elements(name: str) -> None:
    out = render(name, "html")
    parsed = _parse(out)
    assert set(parsed.tags) <= HTML_TAGS, set(parsed.tags) - HTML_TAGS
    assert {attr for _, attr, _ in parsed.attrs} <= HTML_ATTRIBUTES
    assert parsed.tags.count("script") == 0 and parsed.tags.count("style") == 1
    if name != "hostile":
        assert "http" not in out.replace("http-equiv", "")  # no URL at all
    else:
        text = "".join(parsed.text)
        assert fx.SCRIPT in text and "[bold red]x[/]" in text
        assert "\\x1b[31mred\\x1b[0m" in text


def test_html_content_security_policy_pins_the_stylesheet() -> None:
    import base64
    import hashlib

    out = render("no_go", "html")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', out)
    assert csp is not None
    policy = csp.group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy
    style = re.search(r"<style>(.*?)</style>", out, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy


def test_html_timeline_places_each_check_at_its_due_week() -> None:
    out = render("no_go", "html")
    # week 12 of 16 is highlighted; INF001 (due week 6, failing) sits in the sixth column.
    assert '<rect class="now" x="826"' in out
    assert 'w12 now</text>' in out
    assert re.search(r'<rect class="s-fail" x="379" y="58"[^>]*/><text[^>]*>✗ INF001</text>',
                     out)
    assert '<rect class="s-upcoming" x="1129"' in out  # ADO007, due week 16


def test_html_shortens_long_paths_but_keeps_them_in_the_title() -> None:
    out = render("hostile", "html")
    assert fx.LONG_PATH + ":1" in out  # in the title attribute
    shown = re.findall(r"<code title=\"[^\"]*\">([^<]*)</code>", out)
    assert max(len(s) for s in shown) <= html.PATH_LIMIT + 20  # entities take a few more


# --- SARIF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", fx.SCORECARDS)
def test_sarif_validates_against_the_official_schema(name: str) -> None:
    from jsonschema import Draft4Validator

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(render(name, "sarif"))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[0]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"]  # GitHub rejects results without one
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert re.fullmatch(r"[A-Za-z0-9_.~/%-]+", uri), uri
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in run["results"]]
    assert len(prints) == len(set(prints))


def test_sarif_results_levels_locations_and_suppressions() -> None:
    log = json.loads(render("no_go", "sarif"))
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert run["tool"]["driver"]["name"] == "readiness"
    assert len(run["tool"]["driver"]["rules"]) == 19
    rule = run["tool"]["driver"]["rules"][2]
    assert rule["id"] == "INF001" and rule["name"] == "llm-timeouts"
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["help"]["text"] == "Pass timeout= to the client or to each call."
    assert rule["properties"]["due_week"] == 6 and rule["properties"]["gap"] == "infrastructure"

    by_rule: dict[str, list[dict[str, object]]] = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
    assert set(by_rule) == {"INF001", "INF003", "INF008", "INF009", "INF010", "QUA004",
                            "QUA005", "QUA006", "ADO005"}
    timeouts = by_rule["INF001"]
    assert [r["level"] for r in timeouts] == ["error"] * 3
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]  # type: ignore[index]
            for r in timeouts] == [41, 88, 17]
    assert by_rule["INF003"][0]["level"] == "note"  # warn
    assert by_rule["INF008"][0]["level"] == "warning"  # major fail
    assert by_rule["INF010"][0]["level"] == "warning"  # the check errored
    alerting = by_rule["INF008"][0]["locations"][0]["physicalLocation"]  # type: ignore[index]
    assert alerting == {"artifactLocation": {"uri": "ops/alerts.yaml", "uriBaseId": "%SRCROOT%"}}
    incentives = by_rule["ADO005"][0]["locations"][0]  # type: ignore[index]
    assert incentives["physicalLocation"]["artifactLocation"]["uri"] == "readiness.yaml"
    (waived,) = by_rule["INF009"]
    assert waived["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "Batch reruns cover failures until the queue lands in January "
                         "(owner: Sam Okafor, expires 2027-01-15)"}]


def test_sarif_percent_encodes_hostile_paths_and_escapes_embedded_links() -> None:
    run = json.loads(render("hostile", "sarif"))["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]]
    assert "src/%3Cscript%3Ealert%281%29%3C/script%3E%7C%60x%60.py" in uris
    assert "src/%1B%5B31mred%1B%5B0m.py" in uris
    assert "docs/%C3%BCn%C3%AF%20code%20%231%3F%2520%26.md" in uris
    assert sarif.uri("c:/x") == "c%3A/x" and sarif.uri("\udcff.py") == "%FF.py"
    texts = [r["message"]["text"] for r in run["results"]]
    # SARIF reads [text](target) as a link: every bracket must be backslash-escaped.
    brackets = [m.group(1) for t in texts for m in re.finditer(r"(\\*)[\[\]]", t)]
    assert brackets and all(len(slashes) % 2 == 1 for slashes in brackets)
    assert any("\\[x\\](javascript:alert(2))" in t for t in texts)


def test_sarif_fingerprints_survive_line_moves() -> None:
    sc = fx.no_go()
    moved = tuple(r if r.code != "INF001" else dataclasses.replace(
        r, evidence=tuple(Evidence(e.path, (e.line or 0) + 10) for e in r.evidence))
        for r in sc.results)
    before = json.loads(sarif.render(sc))["runs"][0]["results"]
    after = json.loads(sarif.render(dataclasses.replace(sc, results=moved)))
    assert ([r["partialFingerprints"] for r in before]
            == [r["partialFingerprints"] for r in after["runs"][0]["results"]])


# --- JUnit ----------------------------------------------------------------------------------


def test_junit_is_read_correctly_by_junitparser(tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser", reason="pip install junitparser")
    path = tmp_path / "report.xml"
    path.write_text(render("no_go", "junit.xml"), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["readiness.timeline", "readiness.infrastructure",
                            "readiness.quality", "readiness.adoption"]
    infra = suites["readiness.infrastructure"]
    assert (infra.tests, infra.failures, infra.errors, infra.skipped) == (8, 2, 1, 2)
    cases = {case.name: case for case in infra}
    assert all(case.classname == "readiness.infrastructure" for case in infra)
    (failure,) = cases["INF001 llm-timeouts"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "blocker: 3 of 11 LLM calls have no timeout"
    assert failure.type == "blocker"
    assert "src/extract.py:41" in (failure.text or "")
    (error,) = cases["INF010 graceful-degradation"].result
    assert isinstance(error, junitparser.Error)
    (skipped,) = cases["INF009 dead-letter-queue"].result
    assert isinstance(skipped, junitparser.Skipped)
    assert skipped.message.startswith("waived until 2027-01-15 by Sam Okafor: Batch reruns")
    assert cases["INF002 llm-retries"].is_passed
    properties = {p.name: p.value for p in infra.properties()}
    assert properties["verdict"] == "NO_GO" and properties["score"] == "78"
    assert properties["waiver"].startswith("dead-letter-queue until 2027-01-15 (Sam Okafor)")
    total = [(s.tests, s.failures, s.errors, s.skipped) for s in xml]
    assert tuple(map(sum, zip(*total, strict=True))) == (19, 6, 1, 3)
    root = ET.parse(path).getroot()
    assert [root.get(k) for k in ("tests", "failures", "errors", "skipped")] == [
        "19", "6", "1", "3"]


def test_junit_hostile_is_well_formed_and_keeps_the_text(tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser", reason="pip install junitparser")
    path = tmp_path / "hostile.xml"
    path.write_text(render("hostile", "junit.xml"), encoding="utf-8")
    root = ET.parse(path).getroot()  # expat rejects every character illegal in XML 1.0
    failure = root.find(".//failure")
    assert failure is not None
    assert fx.SCRIPT in failure.get("message", "")
    assert "\\x1b[31mred" in (failure.text or "")
    xml = junitparser.JUnitXml.fromfile(str(path))
    assert sum(s.failures for s in xml) == 1 and sum(s.errors for s in xml) == 1


# --- a real browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def _dump_dom(page: Path, tmp_path: Path) -> tuple[str, str]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{page.stem}"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True)
    return done.stdout, done.stderr


@needs_chromium
def test_hostile_page_runs_nothing_in_a_real_browser(tmp_path: Path) -> None:
    # The control proves the probe works: the payload does run when it is not escaped.
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><title>t</title><body>{fx.PWN}</body>")
    dom, _ = _dump_dom(control, tmp_path)
    assert "pwned" in dom

    page = html.render(fx.hostile())
    policy = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n')
    for label, document in (("with-csp", page), ("without-csp", policy.sub("", page))):
        path = tmp_path / f"{label}.html"
        path.write_text(document, encoding="utf-8")
        dom, console = _dump_dom(path, tmp_path)
        parsed = _parse(dom)
        assert not [a for a in parsed.attrs if a[1].startswith("data-")], label
        assert "<title>pwned</title>" not in dom, label
        assert "script" not in parsed.tags and "img" not in parsed.tags, label
        assert set(parsed.tags) <= HTML_TAGS | {"tbody"}, set(parsed.tags) - HTML_TAGS
        assert "Content Security Policy" not in console, console  # nothing even tried



def test_the_non_blocking_list_is_named_for_what_it_holds() -> None:
    """A blocker that only warns does not block: it is listed with the warnings, under a
    title that says so (not "Conditions", which read as non-blocker checks)."""
    from readiness.model import Gap, Severity, Status

    sc = fx.conditional()
    warn = fx.result("INF001", "llm-timeouts", Gap.INFRASTRUCTURE, Status.WARN,
                     "1 of 3 LLM calls has only a weak timeout", severity=Severity.BLOCKER)
    sc = dataclasses.replace(sc, results=(warn, *sc.results))
    md = markdown.render(sc)
    title = "### Not blocking: warnings and non-blocker failures"
    assert title in md and "Conditions (not blocking)" not in md
    section = md.split(title, 1)[1].split("###", 1)[0]
    assert "| <code>INF001</code> llm-timeouts | blocker | " in section
    page = html.render(sc)
    assert "<h2>Not blocking: warnings and non-blocker failures (" in page


# ---- the HTML review, printed ---------------------------------------------------------------

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome",
                                                  "chrome") if shutil.which(name)), None)


def _example_html(tmp_path: Path) -> str:
    from click.testing import CliRunner

    from readiness.cli import main

    example = Path(__file__).resolve().parent.parent / "examples" / "pilot-app"
    out = tmp_path / "review.html"
    CliRunner().invoke(main, ["check", str(example), "--date", "2026-11-24", "--no-cache",
                              "-f", "html", "-o", str(out)], catch_exceptions=False)
    return out.read_text(encoding="utf-8")


def _print(page: str, folder: Path, name: str) -> Path:
    """Print ``page`` to PDF with headless Chromium, as a person printing the review would."""
    source = folder / f"{name}.html"
    source.write_text(page, encoding="utf-8")
    pdf = folder / f"{name}.pdf"
    assert BROWSER is not None
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={folder / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", source.as_uri()],
                   capture_output=True, timeout=180, check=True)
    return pdf


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def _broken_words(page: str, pdf: Path) -> list[str]:
    """Words of the page that the printout splits across two lines mid-word."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", page)))
    broken = []
    for column_lines in _columns(text):
        for above, below in zip(column_lines, column_lines[1:], strict=False):
            tail = re.search(r"([A-Za-z]+)$", above)
            head = re.match(r"([A-Za-z]+)", below)
            if tail and head and tail[1] not in words and tail[1] + head[1] in words:
                broken.append(f"{tail[1]}|{head[1]}")
    return broken


def _columns(text: str) -> list[list[str]]:
    """The printout's text as runs of cells: each line split on wide gaps, by position."""
    cells: dict[int, list[str]] = {}
    for line in text.splitlines():
        for match in re.finditer(r"\S+(?: \S+)*", line):
            cells.setdefault(match.start() // 4, []).append(match.group())
    return list(cells.values())


@pytest.mark.skipif(BROWSER is None, reason="no Chromium: the HTML print step is skipped "
                                            "(apt-get install chromium poppler-utils)")
@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_the_html_review_prints_on_a_few_pages(tmp_path: Path, paper: str) -> None:
    page = _example_html(tmp_path)
    assert "@media print" in page and "@page{size:auto" in page
    assert "<p class=\"project\">invoice-extractor · launch review 2026-11-24</p>" in page
    assert ("Plan: pilot from <b>2026-09-07</b> · soft launch <b>2026-11-30</b> (week 13) · "
            "full launch <b>2026-12-21</b> (week 16)") in page
    assert '<span class="name">llm-timeouts</span>' in page  # names beside the codes
    if paper == "A4":  # what the browser does when the printer's paper is A4
        page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
        page = page.replace("@page{size:auto", "@page{size:A4")
    pdf = _print(page, tmp_path, paper)
    pages = _pages(pdf)
    assert 1 <= pages <= 8, f"{paper}: {pages} pages (was 13 before the print stylesheet)"
    if shutil.which("pdftoppm"):  # the screenshot a reviewer would look at
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / "page")], check=True, timeout=60)
        shot = next(tmp_path.glob("page*.png"))
        assert shot.stat().st_size > 5_000
    if shutil.which("pdftotext"):
        assert _broken_words(page, pdf) == []
