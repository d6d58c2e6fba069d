"""Pilot telemetry in LiteLLM's standard logging payload shape, generated deterministically.

Each document (work item, ``trace_id``) makes two calls with reported costs, so expected
figures are exact: an extraction on gpt-4o ($0.0115) and a summary on gpt-4o-mini
($0.0005): $0.012 per document.
"""

from __future__ import annotations

import json

START = 1_767_258_000.0  # 2026-01-01T09:00:00Z
EXTRACT_COST, SUMMARY_COST = 0.0115, 0.0005


def _call(doc: int, index: int, model: str, prompt: int, completion: int, cost: float,
          seconds: float, status: str = "success") -> str:
    begin = START + doc * 600 + index * 5
    return json.dumps({
        "id": f"chatcmpl-{doc}-{index}", "trace_id": f"doc-{doc}", "call_type": "completion",
        "response_cost": cost, "status": status, "prompt_tokens": prompt,
        "completion_tokens": completion, "total_tokens": prompt + completion,
        "startTime": begin, "endTime": begin + seconds, "response_time": seconds,
        "model": model, "model_group": model, "custom_llm_provider": "openai",
        "cache_hit": False, "metadata": {}, "error_str": None if status == "success" else
        "RateLimitError: 429", "model_parameters": {"temperature": 0},
    }, sort_keys=True)


def litellm_log(documents: int = 50, failures: int = 0) -> str:
    """``documents`` work items of two calls each; the first ``failures`` summaries fail."""
    lines = []
    for doc in range(documents):
        lines.append(_call(doc, 0, "gpt-4o", 3000, 400, EXTRACT_COST, 2.0 + (doc % 5) * 0.5))
        if doc < failures:
            lines.append(_call(doc, 1, "gpt-4o-mini", 1500, 0, 0.0, 0.3, status="failure"))
        else:
            lines.append(_call(doc, 1, "gpt-4o-mini", 1500, 150, SUMMARY_COST, 0.8))
    return "\n".join(lines) + "\n"
