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
from readiness.project.signals import AnchorGroups, query_name
from readiness.project.sourcetext import gate_words

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
# every shape's anchors, then the assigned ones: found in one pass over a file (registered:
# a kept text's pass answers for them)
_ANCHORS = AnchorGroups([anchors for _, anchors, _ in _PROVIDERS] + [_ASSIGNED_ANCHORS])
gate_words(_ANCHORS.words)
# Keys made to be shipped to browsers and apps: they identify a project, they grant nothing
# secret (PostHog's project key, phc_; Stripe's publishable keys; a Firebase web config's
# apiKey, an AIza key like Gemini's but beside its authDomain). Committing one is no leak.
_PUBLIC_PREFIXES = (("phc_", "PostHog project key"), ("pk_live_", "Stripe publishable key"),
                    ("pk_test_", "Stripe publishable key"))
_FIREBASE_NEAR = 300  # characters either side of an AIza key where its config's authDomain is
# A digest written as algorithm=value or algorithm:value (a wheel's RECORD: sha256= and the
# file's hash in base64url, which may begin with sk- or hold AKIA): a hash, never a key.
_DIGEST_LABEL = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?)[=:]\Z")
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
    public: bool = False  # a key made to be public (see _PUBLIC_PREFIXES): not a secret

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
_SCAN = query_name("secrets.keys/2",
                   [(kind, anchors, p.pattern) for kind, anchors, p in _PROVIDERS],
                   _ASSIGNED.pattern, _PLACEHOLDER.pattern, _SHA256.pattern, _PUBLIC_PREFIXES,
                   _FIREBASE_NEAR, _DIGEST_LABEL.pattern)


def find_keys(project: Project) -> list[Secret]:
    """API keys committed in any text file of the repository, except templates: secrets,
    and keys made to be public (``Secret.public``)."""
    # one key per line and shape: a minified bundle repeats the same config on its one line
    return sorted({Secret(rel, *row) for rel, rows in
                   project.facts(_scanned(project), _SCAN, _scan).items() for row in rows})


def _scanned(project: Project) -> list[str]:
    """Every file but templates (worked out once: asked by ``scan_later`` and the check)."""
    return project.shared("secrets.files", lambda p: [rel for rel in p.files
                                                      if not is_template(rel)])


def scan_later(project: Project, config: Config) -> None:
    """Start the scan of every file now, for the workers' idle moments: it is the biggest
    (every text file), and its check runs late (after the other scans sent this way)."""
    project.facts_later(_scanned(project), _SCAN, _scan, last=True)


def find_secrets(project: Project) -> list[Secret]:
    """API keys committed in any text file of the repository, except templates and keys
    made to be public."""
    return [key for key in find_keys(project) if not key.public]


def _scan(text: str) -> tuple[tuple[int, str, str, bool], ...]:
    """(line, kind, redacted form, made to be public) of each key in one file's text."""
    *shaped, assigned = _ANCHORS.windows(text)  # every match below holds an anchor
    if not assigned and not any(shaped):
        return ()  # most files hold none
    found = []
    taken: list[tuple[int, int]] = []  # spans already reported: one key, one finding
    for (kind, _anchors, pattern), spans in zip(_PROVIDERS, shaped, strict=True):
        for start, end in spans:
            for match in pattern.finditer(text, start, end):
                if _overlaps(taken, match.span()) or not looks_secret(match.group("body")):
                    continue
                taken.append(match.span())
                if _is_digest(text, match.start()):
                    continue  # sha256=<base64url>: a file's hash that happens to hold sk-
                public = kind == "Google API key" and _in_firebase_config(text, *match.span())
                found.append((text.count("\n", 0, match.start()) + 1,
                              "Firebase web config key" if public else kind,
                              _redact(match.group("prefix")), public))
    for start, end in assigned:
        for match in _ASSIGNED.finditer(text, start, end):
            body = match.group("body")
            if _overlaps(taken, match.span("body")) or _known_shape(body):
                continue  # a provider's key assigned to a variable is judged above
            if _is_digest(text, match.start("body")) or not looks_secret(body, generic=True):
                continue
            public_kind = next((kind for prefix, kind in _PUBLIC_PREFIXES
                                if body.startswith(prefix)), None)
            found.append((text.count("\n", 0, match.start("body")) + 1,
                          public_kind or "API key or token", f"{match.group('prefix')} = …",
                          public_kind is not None))
    return tuple(found)


def _is_digest(text: str, start: int) -> bool:
    """Does the value at ``start`` follow a digest label (``sha256=``, ``md5:``)?"""
    return bool(_DIGEST_LABEL.search(text, max(0, start - 8), start))


def _in_firebase_config(text: str, start: int, end: int) -> bool:
    """Is the AIza key at ``start:end`` the apiKey of a Firebase web config: an authDomain
    in the same object (no brace between them), before or after it?"""
    after = text[end:end + _FIREBASE_NEAR]
    at = after.find("authDomain")
    if at >= 0 and "{" not in after[:at] and "}" not in after[:at]:
        return True
    before = text[max(0, start - _FIREBASE_NEAR):start]
    at = before.rfind("authDomain")
    return at >= 0 and "{" not in before[at:] and "}" not in before[at:]


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
    prepare=scan_later,
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
    assigned to key variables (gateways log hashed keys) or hashes written after their
    algorithm (`sha256=…` in a wheel's RECORD). Keys made to be public are named in a
    passing message but do not fail: PostHog project keys (`phc_`), Stripe publishable keys
    (`pk_live_`, `pk_test_`) and a Firebase web config's `apiKey` (an `AIza…` key in the
    same object as an `authDomain`; any other `AIza…` key, a Gemini key, still fails).
    Messages show only the key's public prefix, never the key. Git history is not scanned.

    Why it matters:
    A key in the repository is a key in every clone, fork, CI log and laptop backup:
    anyone who finds it can run up the bill or read the data it reaches. Scrapers find
    keys pushed to public repositories within minutes.

    How to fix:
    Revoke the key at the provider first, then remove it from the code, load it from the
    environment or a secret manager, keep `.env` in `.gitignore`, and commit only a
    `.env.example` with placeholders.
    """
    keys = find_keys(project)
    secrets = [key for key in keys if not key.public]
    if not secrets:
        public = [key for key in keys if key.public]
        if not public:
            return passed("no API keys found in the repository's files")
        first = public[0]
        more = (f" and {len(public) - 1} more are made to be public, not secrets"
                if len(public) > 1 else " is made to be public, not a secret")
        return passed(f"no secret API keys found in the repository's files; {first.kind} "
                      f"({first.shown}) at {first.path}:{first.line}{more}",
                      *(key.evidence() for key in public[:5]))
    listed = ", ".join(f"{s.kind} ({s.shown}) at {s.path}:{s.line}" for s in secrets[:5])
    more = f" and {len(secrets) - 5} more" if len(secrets) > 5 else ""
    count = "1 API key is" if len(secrets) == 1 else f"{len(secrets)} API keys are"
    return failed(f"{count} committed: {listed}{more}", *(s.evidence() for s in secrets[:20]))


CHECKS = (hardcoded_secrets,)
