"""Config-file parsing (readiness.project.configfiles) and the shared text scans
(readiness.project.signals)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from readiness.llmcalls.sdk import PROVIDER_ROOTS
from readiness.project import Project, envsettings, importscan, llmusage, signals
from readiness.project.configfiles import config_index, parse, scan_hcl
from readiness.project.configrows import Kind, Unparsable
from tests import fixtures_infra as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm


def flat(rel: str, text: str) -> list[tuple[int, str, object]]:
    return [(e.line, e.key, e.value) for e in parse(rel, text).entries]


def test_multi_document_yaml_keeps_lines_and_documents() -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: api\n          env:\n"
            "            - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: 'http://otel:4317'}\n"
            "---\napiVersion: v1\nkind: Service\n")
    config = parse("k8s/app.yaml", text)
    assert config.kind is Kind.YAML
    env = [e for e in config.entries if e.key.endswith("env.0.name")]
    assert [(e.line, e.key, e.value, e.doc) for e in env] == [
        (9, "spec.template.spec.containers.0.env.0.name", "OTEL_EXPORTER_OTLP_ENDPOINT", 0)]
    assert (12, "kind", "Service") in flat("k8s/app.yaml", text)
    assert [e.doc for e in config.entries if e.key == "kind"] == [0, 1]


def test_cloudformation_tags_are_read_as_text_not_constructed() -> None:
    assert flat("template.yaml", "Queue:\n  Arn: !GetAtt Jobs.Arn\n  Name: !Sub '${A}-q'\n"
                "  Size: 3\n  On: true\n") == [
        (1, "Queue", None), (2, "Queue.Arn", "Jobs.Arn"), (3, "Queue.Name", "${A}-q"),
        (4, "Queue.Size", 3), (5, "Queue.On", True)]


def test_helm_template_is_parsed_with_placeholders() -> None:
    text = ("metadata:\n  name: {{ .Release.Name }}\n  labels:\n"
            "    {{- include \"app.labels\" . | nindent 4 }}\n"
            "spec:\n  {{- if .Values.dlq }}\n  deadLetterPolicy: {maxDeliveryAttempts: 5}\n"
            "  {{- end }}\n")
    config = parse("chart/templates/sub.yaml", text)
    assert config.kind is Kind.YAML
    assert (2, "metadata.name", "TEMPLATED") in flat("chart/templates/sub.yaml", text)
    assert (7, "spec.deadLetterPolicy", None) in flat("chart/templates/sub.yaml", text)


def test_helm_template_that_is_not_yaml_is_scanned_as_lines() -> None:
    text = ("spec:\n  groups:\n{{ range .Values.groups }}\n  - name: {{ .name }}\n"
            "    rules: {{ toYaml .rules | nindent 6 }} [\n      - alert: Broken\n")
    config = parse("chart/templates/rules.yaml", text)
    assert config.kind is Kind.TEMPLATE
    assert [(e.line, e.key) for e in config.entries if e.leaf == "alert"] == [
        (6, "spec.groups.rules.alert")]


def test_json_keys_get_their_lines() -> None:
    text = ('{\n  "name": "LLM spend",\n  "type": "metric alert",\n  "options": {\n'
            '    "thresholds": {"critical": 50},\n    "tags": ["name"]\n  }\n}\n')
    assert flat("m.json", text) == [
        (2, "name", "LLM spend"), (3, "type", "metric alert"), (4, "options", None),
        (5, "options.thresholds", None), (5, "options.thresholds.critical", 50),
        (6, "options.tags", None), (6, "options.tags.0", "name")]


def test_toml_tables_and_arrays_of_tables() -> None:
    text = ('[project]\nname = "bot"\ndependencies = [\n  "langfuse>=2",\n]\n\n'
            '[[tool.locust.profiles]]\nusers = 10\n[[tool.locust.profiles]]\nusers = 50\n')
    entries = flat("pyproject.toml", text)
    assert (4 - 1, "project.dependencies.0", "langfuse>=2") in entries
    assert [e for e in entries if e[1].endswith(".users")] == [
        (8, "tool.locust.profiles.0.users", 10), (8, "tool.locust.profiles.1.users", 50)]


def test_terraform_blocks_attributes_heredocs_and_jsonencode() -> None:
    text = ('# queues\nresource "aws_sqs_queue" "jobs" {\n  name = "jobs" // inline\n'
            '  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dlq.arn\n'
            '    maxReceiveCount     = 5\n  })\n  policy = <<EOF\n{"Statement": []}\nEOF\n'
            '  tags = { team = "ai" }\n}\n\nmodule "alarms" {\n  source = "./alarms"\n}\n')
    entries, blocks = scan_hcl(text)
    assert entries == [
        (2, "resource.aws_sqs_queue.jobs", None),
        (3, "resource.aws_sqs_queue.jobs.name", "jobs"),
        (4, "resource.aws_sqs_queue.jobs.redrive_policy", None),
        (5, "resource.aws_sqs_queue.jobs.redrive_policy.deadLetterTargetArn",
         "aws_sqs_queue.dlq.arn"),
        (6, "resource.aws_sqs_queue.jobs.redrive_policy.maxReceiveCount", 5),
        (8, "resource.aws_sqs_queue.jobs.policy", '{"Statement": []}'),
        (11, "resource.aws_sqs_queue.jobs.tags", None),
        (11, "resource.aws_sqs_queue.jobs.tags.team", "ai"),
        (14, "module.alarms", None), (15, "module.alarms.source", "./alarms")]
    assert blocks == [(2, 12, "resource", ("aws_sqs_queue", "jobs")),
                      (14, 16, "module", ("alarms",))]


def test_terraform_is_parsed_not_scanned_line_by_line() -> None:
    """One-line blocks, braces inside strings and expressions over several lines: what the
    old line scan misread (issue 20)."""
    text = ('variable "region" { default = "eu-west-1" }\n'
            'resource "aws_budgets_budget" "llm" {\n'
            '  name         = "llm-{monthly}"\n'
            '  limit_amount = var.monthly_usd * (\n    1 + var.margin)\n'
            '  notification { threshold = 80 }\n}\n')
    entries, blocks = scan_hcl(text)
    assert (1, "variable.region.default", "eu-west-1") in entries
    assert (3, "resource.aws_budgets_budget.llm.name", "llm-{monthly}") in entries
    assert (4, "resource.aws_budgets_budget.llm.limit_amount",
            "var.monthly_usd * (\n    1 + var.margin)") in entries
    assert (6, "resource.aws_budgets_budget.llm.notification.threshold", 80) in entries
    assert blocks == [(1, 1, "variable", ("region",)),
                      (2, 7, "resource", ("aws_budgets_budget", "llm"))]


def test_malformed_terraform_is_skipped_with_the_parser_reason(make_project: MakeProject
                                                               ) -> None:
    root = make_project({"infra/ok.tf": 'module "a" {\n  source = "./a"\n}\n',
                         "infra/broken.tf": 'resource "x" "y" {\n  a = \n'})
    index = config_index(Project(root))
    assert [f.path for f in index.files] == ["infra/ok.tf"]
    assert dict(index.skipped)["infra/broken.tf"].startswith("HCL syntax error: ")


def test_malformed_files_are_skipped_with_a_reason_never_raised(
        make_project: MakeProject) -> None:
    root = make_project({
        "ok.yaml": "a: 1\n",
        "bad.yaml": "a: [1, 2\nb: }\n",
        "truncated.json": '{"name": "x", "query": ',
        "broken.toml": "[project\nname = 1\n",
        "binary.json": b"\x00\x01\x02\x03",
        "latin1.yml": b"name: caf\xe9\n",
        "bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)),
    })
    index = config_index(Project(root))
    assert [f.path for f in index.files] == ["ok.yaml"]
    reasons = dict(index.skipped)
    # libyaml and pure-Python PyYAML, and Python versions, word parser errors differently
    assert reasons.pop("bad.yaml").startswith("YAML syntax error at line 2: ")
    assert reasons.pop("broken.toml").startswith("invalid TOML: ")
    assert reasons == {
        "binary.json": "not readable as text (binary, undecodable or unreadable)",
        "bomb.yaml": "more than 50000 values (data, not config)",
        "latin1.yml": "not readable as text (binary, undecodable or unreadable)",
        "truncated.json": "invalid JSON at line 1",
    }


def test_warm_run_reads_no_unchanged_config_file(make_project: MakeProject,
                                                 tmp_path: Path) -> None:
    """Each file's entries are kept between runs: a warm run parses nothing, reads only
    what has no text, and still notes the files that do not parse."""
    root = make_project({
        **fx.HARDENED,
        "chart/templates/rules.yaml": "spec:\n  groups:\n{{ range .Values.groups }}\n"
                                      "  - name: {{ .name }}\n    rules: [\n"
                                      "      - alert: Broken\n",
        "monitors/llm.json": '{"name": "LLM errors", "type": "metric alert",\n'
                             ' "query": "sum:llm.errors{*} > 5"}\n',
        "pyproject.toml": '[project]\nname = "bot"\n',
        "bad.yaml": "a: [1, 2\nb: }\n",
        "binary.json": b"\x00\x01\x02\x03",
    })

    def analyse(project: Project) -> tuple[object, ...]:
        index = config_index(project)
        return (index.files, index.skipped, [(e.path, e.line) for e in index.find("alert")],
                [b.key for b in index.blocks("aws_sqs_queue")], project.skipped)

    result = cold_then_warm(root, tmp_path / "cache", analyse)
    assert result.cold == result.warm
    files, skipped, alerts, queues, notes = result.warm
    assert {f.kind for f in files} == {Kind.YAML, Kind.JSON, Kind.TOML, Kind.TERRAFORM,
                                       Kind.TEMPLATE}
    assert alerts[:1] == [("chart/templates/rules.yaml", 6)]
    assert queues == ["resource.aws_sqs_queue.jobs_dlq", "resource.aws_sqs_queue.jobs"]
    assert [path for path, _ in skipped] == ["bad.yaml", "binary.json"]
    assert [n.path for n in notes] == ["bad.yaml", "binary.json"]
    assert result.read == ["binary.json"]  # no text, so no content key is kept for it


def test_unknown_suffix_is_unparsable() -> None:
    with pytest.raises(Unparsable, match="not a config file type"):
        parse("notes.txt", "a: 1")


def test_find_child_subtree_and_blocks(make_project: MakeProject) -> None:
    project = Project(make_project({**fx.HARDENED, **fx.BEDROCK_BATCH}))
    index = config_index(project)
    assert index is config_index(project)  # parsed once per run
    alerts = index.find("alert")
    assert [(e.path, e.line, e.value) for e in alerts][:1] == [
        ("ops/alerts.yml", 4, "LLMHighErrorRate")]
    expr = index.child(alerts[0], "expr")
    assert expr is not None and expr.line == 5
    assert [e.line for e in index.find("MetricName", re.compile("Latency"))] == [39]
    assert [b.key for b in index.blocks("aws_sqs_queue")] == [
        "resource.aws_sqs_queue.jobs_dlq", "resource.aws_sqs_queue.jobs"]
    assert index.find("RedrivePolicy", kinds=(Kind.TERRAFORM,)) == []
    rules = index.subtree(alerts[0], "groups.0.rules.0")
    assert [e.leaf for e in rules] == ["0", "alert", "expr", "for", "labels", "severity"]


# ---- readiness.project.signals -------------------------------------------------------------------


def test_comments_are_blanked_and_strings_kept() -> None:
    code = "x = 1  # add retry and alerts\ny = '#not a comment'  # but this is\n"
    assert signals.blank_comments(code, signals.Lang.PYTHON) == (
        "x = 1" + " " * 24 + "\ny = '#not a comment'" + " " * 15 + "\n")
    js = "const a = 'http://x'; // fallback later\n/* circuit */ b()\n"
    assert signals.blank_comments(js, signals.Lang.JAVASCRIPT) == (
        "const a = 'http://x'; " + " " * 17 + "\n" + " " * 13 + " b()\n")


def test_imports_and_llm_usage(make_project: MakeProject) -> None:
    project = Project(make_project({
        **fx.LANGCHAIN_BOT, **fx.BEDROCK_BATCH,
        "web/chat.ts": "// chat\nimport Anthropic from '@anthropic-ai/sdk';\n",
        "web/util.ts": "import {\n  z,\n} from 'zod';\nconst ai = require('ai');\n",
        "tests/test_bot.py": "import openai\n",
    }))
    assert [(i.path, i.line, i.module) for i in importscan.imports_of(project, "langchain*")] == [
        ("bot/chain.py", 1, "langchain_anthropic"), ("bot/chain.py", 2, "langchain_core.prompts"),
        ("bot/chain.py", 3, "langchain_openai")]
    assert [(h.path, h.line, h.kind) for h in llmusage.llm_usage(project)] == [
        ("bot/chain.py", 1, "import"), ("bot/chain.py", 2, "import"),
        ("bot/chain.py", 3, "import"), ("handler.py", 5, "bedrock"),
        ("web/chat.ts", 2, "import"), ("web/util.ts", 4, "import")]
    assert llmusage.llm_files(project) == {"bot/chain.py", "handler.py", "web/chat.ts",
                                          "web/util.ts"}
    assert [(i.line, i.module) for i in importscan.imports(project) if i.path == "web/util.ts"] \
        == [(3, "zod"), (4, "ai")]


def test_llm_usage_knows_every_sdk_the_call_sites_know(make_project: MakeProject) -> None:
    # an app whose only model SDK is Ollama or graphrag-llm has its calls judged by the
    # per-call checks: the other checks must not call it an app without LLM usage
    project = Project(make_project({
        "local.py": "import ollama\n\ndef ask(p):\n    return ollama.chat(model='m', messages=p)\n",
        "graph.py": "from graphrag_llm.completion import create_completion\n",
        "plan.py": "import together_utils\nfrom spicy import x\n",  # other packages
        # a short root imported with from (paper-qa's lmi); "from air" is another package
        "paper.py": "from lmi import LiteLLMModel\n",
        "vent.py": "from airflow import DAG\nfrom lmis import x\n",
    }))
    assert [(h.path, h.text) for h in llmusage.llm_usage(project)] == [
        ("graph.py", "graphrag_llm.completion"), ("local.py", "ollama"), ("paper.py", "lmi")]
    # every LLM-specific root the call-site index knows is LLM usage here too (boto3 and
    # google name far more than models: Bedrock runtime clients and genai count instead)
    general = {"boto3", "aioboto3", "aiobotocore", "autogen_core"}
    missing = [root for root in sorted(PROVIDER_ROOTS - general) if not any(
        m == root or m.startswith(root + ".") or (m.endswith("*") and root.startswith(m[:-1]))
        for m in llmusage.LLM_MODULES)]
    assert missing == []


def test_search_skips_tests_unless_asked_and_is_shared(make_project: MakeProject) -> None:
    project = Project(make_project(fx.LOOKALIKES))
    pattern = re.compile(r"Semaphore\(")
    assert signals.search(project, pattern) == ()
    hits = signals.search(project, pattern, tests=True)
    assert [(h.path, h.line) for h in hits] == [("tests/test_extract.py", 4)]
    assert signals.search(project, pattern, tests=True) is hits
    assert signals.search(project, re.compile("retry and alerts"), langs=signals.ANY) == ()


def test_env_settings_from_dotenv_compose_k8s_and_code(make_project: MakeProject) -> None:
    project = Project(make_project({
        ".env": "LANGSMITH_TRACING=true\n",
        "docker-compose.yml": "services:\n  a:\n    environment:\n"
                              "      - LANGCHAIN_TRACING_V2=false\n",
        "k8s/deploy.yaml": "env:\n  - name: LANGCHAIN_TRACING_V2\n    value: \"true\"\n",
        "app/main.py": "import os\n\nos.environ['LANGSMITH_TRACING'] = 'true'\n",
    }))
    found = envsettings.env_settings(project, "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING")
    assert [(s.path, s.line, s.name, s.value) for s in found] == [
        (".env", 1, "LANGSMITH_TRACING", "true"),
        ("app/main.py", 3, "LANGSMITH_TRACING", "true"),
        ("docker-compose.yml", 4, "LANGCHAIN_TRACING_V2", "false"),
        ("k8s/deploy.yaml", 2, "LANGCHAIN_TRACING_V2", "true")]


def test_statement_spans_bracketed_continuation_lines(make_project: MakeProject) -> None:
    project = Project(make_project(fx.BARE_PILOT))
    hit = signals.search(project, re.compile(r"client\.chat"))[0]
    assert signals.statement(project, hit).splitlines() == [
        "    response = client.chat.completions.create(", '        model="gpt-4o-mini",',
        '        messages=[{"role": "user", "content": f"Summarise: {text}"}],', "    )"]


def test_test_paths() -> None:
    assert signals.is_test_path("tests/load/locustfile.py")
    assert signals.is_test_path("app/test_llm.py")
    assert signals.is_test_path("web/chat.test.ts")
    assert not signals.is_test_path("app/contest.py")


def test_translation_files_are_ui_text_not_config(make_project: MakeProject) -> None:
    """A language's UI strings (named by its language tag in a translations folder) are not
    read as config; config files that live beside them, or merely look alike, still are."""
    root = make_project({
        "components/hue/translations/de.json": '{"config": {"abort": {"retry": "Nochmal"}}}',
        "components/hue/translations/select.pt-BR.json": '{"state": {"retry": "x"}}',
        "web/locales/zh_Hant.yaml": "retry: 重試\n",
        "components/hue/translations/schema.json": '{"retry": 3}',   # not a language tag
        "components/hue/strings.json": '{"config": {"abort": {"retry": "Retry"}}}',
        "deploy/en.yaml": "retry: 5\n",                              # not a translations folder
    })
    project = Project(root)
    index = config_index(project)
    assert sorted(f.path for f in index.files) == [
        "components/hue/strings.json", "components/hue/translations/schema.json",
        "deploy/en.yaml"]
    # nor are they searched as text
    hits = signals.search(project, re.compile(r"retry"), langs=signals.ANY)
    assert sorted({h.path for h in hits}) == [
        "components/hue/strings.json", "components/hue/translations/schema.json",
        "deploy/en.yaml"]


def test_key_patterns_find_entries_in_file_order_with_values_and_kinds(
        make_project: MakeProject) -> None:
    """A key pattern is searched once per distinct key, and still answers in file order,
    line order, filtered by value and kind."""
    root = make_project({
        "a.yaml": "queue:\n  name: jobs-dlq\nother:\n  name: jobs\n",
        "b.json": '{"queue": {"name": "orders-dlq"}}',
        "c.yaml": "queue:\n  name: audit-dlq\n",
    })
    index = config_index(Project(root))
    pattern = re.compile(r"(?:^|\.)name$")
    assert [(e.path, e.line, e.value) for e in index.find(pattern)] == [
        ("a.yaml", 2, "jobs-dlq"), ("a.yaml", 4, "jobs"), ("b.json", 1, "orders-dlq"),
        ("c.yaml", 2, "audit-dlq")]
    assert [e.value for e in index.find(pattern, re.compile(r"-dlq$"), kinds=[Kind.YAML])] \
        == ["jobs-dlq", "audit-dlq"]
    assert [e.value for e in index.find(pattern, paths={"c.yaml"})] == ["audit-dlq"]
