from __future__ import annotations

import random
import string
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from readiness.checks.infrastructure.secrets import (
    _TEMPLATE,
    entropy,
    find_secrets,
    hardcoded_secrets,
    is_template,
    looks_secret,
)

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_infra as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm

# Key-shaped random strings, built at run time so that no key-looking literal is committed
# here (this file would otherwise trip the very scanners it tests).
_RANDOM = random.Random(20261124)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(n))


OPENAI = "sk-proj-" + rand(64, ALNUM + "_-")
ANTHROPIC = "sk-ant-api03-" + rand(93, ALNUM + "_-")
AWS_ID = "AKIA" + rand(16, string.ascii_uppercase + string.digits)
AWS_SECRET = rand(40, ALNUM + "/+")
GOOGLE = "AIza" + rand(35, ALNUM + "_-")
HF = "hf_" + rand(34)
GITHUB = "ghp_" + rand(36)
SLACK = "xoxb-" + rand(12, string.digits) + "-" + rand(24)
COHERE = rand(40)


def run(root: Path) -> Finding:
    return hardcoded_secrets.run(Project(root), load_config(root))  # type: ignore[no-any-return]


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def test_committed_env_file_with_a_real_looking_key_fails(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, ".env": f"DEBUG=1\nOPENAI_API_KEY={OPENAI}\n"})
    finding = run(root)
    assert finding.status is Status.FAIL
    assert finding.message == "1 API key is committed: OpenAI API key (sk-proj-…) at .env:2"
    assert where(finding) == [".env:2"]
    assert finding.evidence[0].note == "OpenAI API key (sk-proj-…)"


def test_every_provider_shape_is_found_and_never_printed(make_project: MakeProject) -> None:
    root = make_project({
        "app/clients.py": ("import anthropic\n\n"
                           f'client = anthropic.Anthropic(api_key="{ANTHROPIC}")\n'
                           f'GEMINI = "{GOOGLE}"\n'),
        "infra/terraform.tfvars": f'aws_access_key_id = "{AWS_ID}"\n'
                                  f'aws_secret_access_key = "{AWS_SECRET}"\n',
        "config/settings.yaml": f"huggingface:\n  token: {HF}\nslack:\n  bot_token: {SLACK}\n",
        "scripts/release.sh": f"export GH_TOKEN={GITHUB}\n",
        "app/rerank.py": f'import cohere\n\nCOHERE_API_KEY = "{COHERE}"\n',
    })
    finding = run(root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/clients.py:3", "app/clients.py:4", "app/rerank.py:3",
                              "config/settings.yaml:2", "config/settings.yaml:4",
                              "infra/terraform.tfvars:1", "infra/terraform.tfvars:2",
                              "scripts/release.sh:1"]
    assert [e.note for e in finding.evidence] == [
        "Anthropic API key (sk-ant-api03-…)", "Google API key (AIza…)",
        "API key or token (COHERE_API_KEY = …)", "Hugging Face token (hf_…)",
        "Slack token (xoxb-…)", "AWS access key (AKIA…)",
        "AWS secret key (aws_secret_access_key = …)", "GitHub token (ghp_…)"]
    assert finding.message.startswith("8 API keys are committed: Anthropic API key "
                                      "(sk-ant-api03-…) at app/clients.py:3, ")
    assert finding.message.endswith(" and 3 more")
    shown = finding.message + " ".join(e.note for e in finding.evidence)
    for secret in (OPENAI, ANTHROPIC, AWS_ID, AWS_SECRET, GOOGLE, HF, GITHUB, SLACK, COHERE):
        assert secret[-12:] not in shown


def test_placeholders_templates_and_test_keys_pass(make_project: MakeProject) -> None:
    finding = run(make_project(fx.LOOKALIKES))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "no API keys found in the repository's files"
    assert finding.evidence == ()


def test_a_real_looking_key_in_a_template_is_not_reported(make_project: MakeProject) -> None:
    root = make_project({".env.example": f"OPENAI_API_KEY={OPENAI}\n",
                         "config/settings.sample.yaml": f"api_key: {COHERE}\n",
                         "deploy/values.template": f"token: {HF}\n"})
    assert run(root).status is Status.PASS


def test_environment_references_are_not_secrets(make_project: MakeProject) -> None:
    root = make_project({
        **fx.LITELLM_GATEWAY,
        "app/settings.py": "import os\n\nOPENAI_API_KEY = os.environ['OPENAI_API_KEY']\n"
                           "ANTHROPIC_API_KEY = os.getenv('ANTHROPIC_API_KEY')\n",
        "k8s/secret.yaml": "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n"
                           "      secretKeyRef: {name: llm, key: openai}\n",
        "docker-compose.yml": "services:\n  app:\n    environment:\n"
                              "      OPENAI_API_KEY: ${OPENAI_API_KEY}\n",
    })
    assert run(root).status is Status.PASS


def test_low_entropy_and_placeholder_values_are_not_secrets() -> None:
    assert not looks_secret("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert not looks_secret("your-openai-key-goes-here-please-1234")
    assert not looks_secret("abc123abc123abc123abc123", generic=True)
    assert not looks_secret("onlylettersinthisplaceholderkey", generic=True)
    assert looks_secret(COHERE, generic=True)
    assert entropy("") == 0.0
    assert round(entropy("abcd"), 3) == 2.0


def test_template_names() -> None:
    assert is_template(".env.example")
    assert is_template("deploy/.env.sample")
    assert is_template("config/settings.example.yaml")
    assert is_template("config/settings-template.json")
    assert not is_template(".env")
    assert not is_template("examples/app.py")
    assert not is_template("sample.py")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["config", ".env", "settings", "x", ".", "-", "_", "/",
                                 "Example", "SAMPLE", "template", "TMPL", "dist", "yaml",
                                 "json", "\u017fample", "ex\u017fample"]), max_size=8))
@example(["config", ".", "\u017fample", ".", "yaml"])  # the long s: "sample" in IGNORECASE
def test_template_words_gate_never_changes_the_answer(parts: list[str]) -> None:
    """``is_template`` runs its pattern only on paths holding one of its words: the answer
    is the pattern's own, whatever the path."""
    rel = "".join(parts)
    assert is_template(rel) is bool(_TEMPLATE.search(rel))


def test_secrets_apply_without_llm_and_dedupe_provider_keys(make_project: MakeProject) -> None:
    root = make_project({**fx.NO_LLM, "app.py": fx.NO_LLM["app.py"] +
                         f'\nOPENAI_API_KEY = "{OPENAI}"\n'})
    secrets = find_secrets(Project(root))
    assert [(s.path, s.line, s.kind) for s in secrets] == [("app.py", 14, "OpenAI API key")]


def test_binary_files_are_skipped_without_crashing(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "model.bin": b"\x00\x01" + OPENAI.encode()})
    assert run(root).status is Status.PASS


def test_warm_run_reads_no_unchanged_file(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({
        **fx.BARE_PILOT,
        ".env": f"DEBUG=1\nOPENAI_API_KEY={OPENAI}\n",
        ".env.example": f"OPENAI_API_KEY={OPENAI}\n",
        "config/settings.yaml": f"huggingface:\n  token: {HF}\n",
        "app/rerank.py": f'import cohere\n\nCOHERE_API_KEY = "{COHERE}"\n',
    })
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda project: hardcoded_secrets.run(project, load_config(root)))
    assert result.cold == result.warm
    assert where(result.warm) == [".env:2", "app/rerank.py:3", "config/settings.yaml:2"]
    assert result.read == []


# A wheel's RECORD lists each file's sha256 in base64url after "sha256=": one of Home
# Assistant 2024.3.3's begins with "sk-" (dist-info/RECORD:6377).
DIGEST = "sk-" + rand(40, ALNUM + "_-")
POSTHOG_PROJECT = "phc_" + rand(43)
POSTHOG_PERSONAL = "phx_" + rand(43)
STRIPE_PUBLISHABLE = "pk_live_" + rand(40)


def test_a_file_hash_after_its_algorithm_is_not_a_key(make_project: MakeProject) -> None:
    root = make_project({
        **fx.BARE_PILOT,
        "app-1.0.dist-info/RECORD": "app/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5N"
                                    "MpJWZG3hSuFU,0\n"
                                    f"app/translations/da.json,sha256={DIGEST},636\n"
                                    "app-1.0.dist-info/RECORD,,\n",
        "requirements.lock": f"openai==1.0 --hash=md5:{DIGEST}\n",
    })
    finding = run(root)
    assert (finding.status, finding.evidence) == (Status.PASS, ())
    # the same value anywhere a key goes is judged as a key
    root = make_project({**fx.BARE_PILOT, ".env": f"OPENAI_API_KEY={DIGEST}\n"})
    assert where(run(root)) == [".env:1"]


def test_keys_made_to_be_public_pass_and_are_named(make_project: MakeProject) -> None:
    """PostHog project keys, Stripe publishable keys and Firebase web configs are shipped
    to every browser by design (as aider, mem0 and open-interpreter ship PostHog's, and
    khoj's bundled Excalidraw its Firebase config): named, not failed."""
    root = make_project({
        **fx.BARE_PILOT,
        "app/analytics.py": 'posthog_project_api_key = "' + POSTHOG_PROJECT + '"\n'
                            'posthog_host = "https://us.i.posthog.com"\n',
        "web/static/chunks/94ca1967.js": 'var e={VITE_APP_FIREBASE_CONFIG:\'{"apiKey":"'
                                         + GOOGLE + '","authDomain":"demo.firebaseapp.com",'
                                         '"projectId":"demo"}\'};\n',
        "web/src/firebase.ts": "const firebaseConfig = {\n  authDomain: 'demo.firebaseapp.com',"
                               f"\n  apiKey: '{GOOGLE}',\n  projectId: 'demo',\n}};\n",
        "web/src/pay.ts": f'const STRIPE_API_KEY = "{STRIPE_PUBLISHABLE}";\n',
    })
    finding = run(root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/analytics.py:1", "web/src/firebase.ts:3",
                              "web/src/pay.ts:1", "web/static/chunks/94ca1967.js:1"]
    assert [e.note for e in finding.evidence] == [
        "PostHog project key (posthog_project_api_key = …)", "Firebase web config key (AIza…)",
        "Stripe publishable key (STRIPE_API_KEY = …)", "Firebase web config key (AIza…)"]
    assert finding.message == (
        "no secret API keys found in the repository's files; PostHog project key "
        "(posthog_project_api_key = …) at app/analytics.py:1 and 3 more are made to be public, "
        "not secrets")
    assert find_secrets(Project(root)) == []  # the pre-commit hook blocks none of them


def test_secret_keys_beside_public_ones_still_fail(make_project: MakeProject) -> None:
    """A PostHog personal key, a Gemini key (an AIza key outside a Firebase config) and an
    AIza key in another object than the config's authDomain are secrets."""
    root = make_project({
        **fx.BARE_PILOT,
        "app/analytics.py": f'POSTHOG_PERSONAL_API_KEY = "{POSTHOG_PERSONAL}"\n',
        "app/gemini.py": "import google.generativeai as genai\n\n"
                         f'genai.configure(api_key="{GOOGLE}")\n',
        "config/keys.json": '{"gemini": {"key": "' + GOOGLE + '"},\n'
                            ' "firebase": {"authDomain": "demo.firebaseapp.com"}}\n',
        "config/other.json": '{"firebase": {"authDomain": "demo.firebaseapp.com"},\n'
                             ' "gemini": {"key": "' + GOOGLE + '"}}\n',
    })
    finding = run(root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/analytics.py:1", "app/gemini.py:3", "config/keys.json:1",
                              "config/other.json:2"]
    assert [e.note for e in finding.evidence] == [
        "API key or token (POSTHOG_PERSONAL_API_KEY = …)", "Google API key (AIza…)",
        "Google API key (AIza…)", "Google API key (AIza…)"]


def test_a_key_baked_into_a_built_bundle_is_found(make_project: MakeProject) -> None:
    # the code scans skip a build's output (a chunk with its source map); the secrets scan
    # does not: a key compiled into a shipped front end is as leaked as one in the source
    chunk = f'var e="{OPENAI}";fetch("/api",{{headers:{{Authorization:"Bearer "+e}}}});\n'
    root = make_project({**fx.NO_LLM, "web/build/_app/chunks/app.4f2a.js": chunk,
                         "web/build/_app/chunks/app.4f2a.js.map": '{"version":3}\n'})
    assert Project(root).generated == frozenset({"web/build/_app/chunks/app.4f2a.js"})
    secrets = find_secrets(Project(root))
    assert [(s.path, s.line) for s in secrets] == [("web/build/_app/chunks/app.4f2a.js", 1)]
