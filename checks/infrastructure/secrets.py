"""No API keys committed to the repository, in code, config or .env files."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import NamedTuple

from readiness.config import Config
from readiness.model import Evidence, Finding, Gap, check, failed, passed
from readiness.project import Project
from readiness.project.regexwords import could_match, needed_words
from readiness.project.signals import query_name, windows
from readiness.project.sourcetext import holds_any

# Most specific first: an Anthropic key also starts with "sk-". Each shape has the literals
# every key of it contains (the regex only runs around them: repositories are big), a group
# "prefix", the public format shown redacted, and "body", the secret part judged for entropy.
_PROVIDERS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("Anthropic API key", ("sk-ant-",), re.compile(
        r"\b(?P<prefix>sk-ant-[a-z]+\d*-)(?P<body>[A-Za-z0-9_-]{32,})")),
    ("OpenAI API key", ("sk-",), re.compile(
        r"\b(?P<prefix>sk-(?:proj-|svcacct-|admin-)?)(?P<body>[A-Za-z0-9_-]{32,})")),
    ("AWS access key", ("AKIA", "ASIA"), re.compile(
        r"\b(?P<prefix>AKIA|ASIA)(?P<body>[0-9A-Z]{16})\b")),
    ("AWS secret key", ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"), re.compile(
        r"(?i)(?P<prefix>aws_secret_access_key)[\"']?\s*[=:]\s*[\"']?"
        r"(?P<body>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])")),
    ("Google API key", ("AIza",), re.compile(
        r"\b(?P<prefix>AIza)(?P<body>[0-9A-Za-z_-]{35})(?![\w-])")),
    ("Hugging Face token", ("hf_",), re.compile(
        r"\b(?P<prefix>hf_)(?P<body>[A-Za-z0-9]{30,})\b")),
    ("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), re.compile(
        r"\b(?P<prefix>gh[pousr]_|github_pat_)(?P<body>[A-Za-z0-9_]{36,})")),
    ("Slack token", ("xox",), re.compile(
        r"\b(?P<prefix>xox[baprs]-)(?P<body>[0-9A-Za-z-]{20,})")),
)
# Keys without a recognisable shape (Cohere, Mistral, Groq...) are caught by what they are
# assigned to: FOO_API_KEY = "...", api_key: ..., "apiKey": "...".
_ASSIGNED_ANCHORS = ("API_KEY", "APIKEY", "api_key", "apiKey", "ApiKey", "SECRET_KEY",
                     "secret_key", "ACCESS_TOKEN", "access_token", "AUTH_TOKEN", "auth_token")
_ASSIGNED = re.compile(
    r"(?P<prefix>\b[A-Za-z0-9_]*(?:" + "|".join(_ASSIGNED_ANCHORS) + r"))\b[\"']?\s*[=:]\s*"
    r"[\"']?(?P<body>[A-Za-z0-9_-]{20,})(?=[\"'\s,;)}]|$)", re.MULTILINE)
_ALL_ANCHORS = tuple(dict.fromkeys([anchor for _, anchors, _ in _PROVIDERS for anchor in anchors]
                                   + list(_ASSIGNED_ANCHORS)))
_PLACEHOLDER = re.compile(r"(?i)your|xxx|example|change_?me|placeholder|dummy|fake|sample|"
                          r"redacted|replace|insert|todo|test|here|<|>|\$\{|\{\{|\.\.\.|…|\*\*\*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMPLATE = re.compile(r"(?i)(?:^|/)[^/]*(?:\.example|\.sample|\.template|\.tmpl|\.dist)"
                       r"(?:\.[\w]+)?$|(?:^|/)[^/]*[._-](?:example|sample|template)\.[\w]+$")


class Secret(NamedTuple):
    path: str
    line: int
    kind: str
    shown: str  # the redacted form: a public prefix or the variable name, never the secret

    def evidence(self) -> Evidence:
        return Evidence(self.path, self.line, f"{self.kind} ({self.shown})")


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_secret(body: str, *, generic: bool = False) -> bool:
    """Random enough to be a real key: not a placeholder, high entropy, (for keys found only
    by their variable name) letters mixed with digits."""
    if _PLACEHOLDER.search(body):
        return False
    if generic and not (re.search(r"\d", body) and re.search(r"[A-Za-z]", body)):
        return False
    if generic and _SHA256.fullmatch(body):
        return False  # a SHA-256 digest: how gateways (litellm) store keys, not a key
    return entropy(body) >= (3.0 if len(body) < 24 else 3.5)


def is_template(rel: str) -> bool:
    """`.env.example`, `config.sample.yaml`, `settings.template`: examples, not secrets."""
    # most paths hold none of the words every match needs: the pattern, tried at every
    # position, is not run on them
    return could_match(rel, _TEMPLATE_WORDS) and bool(_TEMPLATE.search(rel))


_TEMPLATE_WORDS = needed_words(_TEMPLATE)


# Everything a file's answer depends on besides its text: a file is scanned once and its
# answer kept while the text and these stay the same.
_SCAN = query_name("secrets.keys/1",
                   [(kind, anchors, p.pattern) for kind, anchors, p in _PROVIDERS],
                   _ASSIGNED.pattern, _PLACEHOLDER.pattern, _SHA256.pattern)


def find_secrets(project: Project) -> list[Secret]:
    """API keys committed in any text file of the repository, except templates."""
    files = [rel for rel in project.files if not is_template(rel)]
    return sorted(Secret(rel, *row) for rel, rows in project.facts(files, _SCAN, _scan).items()
                  for row in rows)


def _scan(text: str) -> tuple[tuple[int, str, str], ...]:
    """(line, kind, redacted form) of each key in one file's text."""
    if not holds_any(text, _ALL_ANCHORS):
        return ()  # every match below holds an anchor: most files hold none
    found = []
    taken: list[tuple[int, int]] = []  # spans already reported: one key, one finding
    for kind, anchors, pattern in _PROVIDERS:
        for start, end in windows(text, anchors):
            for match in pattern.finditer(text, start, end):
                if not _overlaps(taken, match.span()) and looks_secret(match.group("body")):
                    taken.append(match.span())
                    found.append((text.count("\n", 0, match.start()) + 1, kind,
                                  _redact(match.group("prefix"))))
    for start, end in windows(text, _ASSIGNED_ANCHORS):
        for match in _ASSIGNED.finditer(text, start, end):
            if _overlaps(taken, match.span("body")) or _known_shape(match.group("body")):
                continue  # a provider's key assigned to a variable is judged above
            if looks_secret(match.group("body"), generic=True):
                found.append((text.count("\n", 0, match.start("body")) + 1,
                              "API key or token", f"{match.group('prefix')} = …"))
    return tuple(found)


def _overlaps(taken: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in taken)


def _known_shape(body: str) -> bool:
    return any(pattern.match(body) for _, _, pattern in _PROVIDERS)


def _redact(prefix: str) -> str:
    return f"{prefix} = …" if prefix.lower() == "aws_secret_access_key" else f"{prefix}…"


@check(
    code="INF014",
    gap=Gap.INFRASTRUCTURE,
    title="Is the repository free of committed API keys?",
    remediation="Remove the key from the repository, revoke and rotate it at the provider, "
                "and read it from the environment or a secret manager.",
)
def hardcoded_secrets(project: Project, config: Config) -> Finding:
    """What it checks:
    Every text file of the repository, config and `.env` files included, for provider key
    shapes: OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), AWS access keys (`AKIA…`)
    and secret keys, Google (`AIza…`), Hugging Face (`hf_…`), GitHub and Slack tokens, and
    any long value assigned to an `*_API_KEY`, `api_key`, `*_SECRET_KEY` or `*_TOKEN`
    (Cohere, Mistral, Groq...). Placeholders (`your-key-here`, `sk-...`, `<KEY>`, `xxx`,
    `changeme`, `${VAR}`, `os.environ[...]`), low-entropy strings and templates
    (`.env.example`, `*.sample`, `*.template`) are not secrets, nor are SHA-256 digests
    assigned to key variables (gateways log hashed keys). Messages show only the
    key's public prefix, never the key. Git history is not scanned.

    Why it matters:
    A key in the repository is a key in every clone, fork, CI log and laptop backup:
    anyone who finds it can run up the bill or read the data it reaches. Scrapers find
    keys pushed to public repositories within minutes.

    How to fix:
    Revoke the key at the provider first, then remove it from the code, load it from the
    environment or a secret manager, keep `.env` in `.gitignore`, and commit only a
    `.env.example` with placeholders.
    """
    secrets = find_secrets(project)
    if not secrets:
        return passed("no API keys found in the repository's files")
    listed = ", ".join(f"{s.kind} ({s.shown}) at {s.path}:{s.line}" for s in secrets[:5])
    more = f" and {len(secrets) - 5} more" if len(secrets) > 5 else ""
    count = "1 API key is" if len(secrets) == 1 else f"{len(secrets)} API keys are"
    return failed(f"{count} committed: {listed}{more}", *(s.evidence() for s in secrets[:20]))


CHECKS = (hardcoded_secrets,)
