"""Generate a real DeepEval test run offline with a deterministic custom metric."""
from deepeval import evaluate
from deepeval.evaluate.configs import AsyncConfig, DisplayConfig, ErrorConfig
from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase


class ExactAnswer(BaseMetric):
    """Score 1.0 when the expected output appears in the actual output."""

    def __init__(self, threshold: float = 0.5):
        self.threshold = threshold

    def measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        if "CRASH" in test_case.input:
            raise RuntimeError("judge unavailable (simulated)")
        self.score = 1.0 if test_case.expected_output in test_case.actual_output else 0.0
        self.success = self.score >= self.threshold
        self.reason = "match" if self.success else "no match"
        return self.score

    async def a_measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        return bool(self.success)

    @property
    def __name__(self):
        return "Exact Answer"


cases = [
    LLMTestCase(name="inv-1", input="Total of invoice 1?", actual_output="100",
                expected_output="100", metadata={"category": "invoice"}, tags=["smoke"]),
    LLMTestCase(name="inv-2", input="Total of invoice 2?", actual_output="199",
                expected_output="200", metadata={"category": "invoice"}, tags=["edge_case"]),
    LLMTestCase(name="con-1", input="Renewal clause?", actual_output="yes",
                expected_output="yes", metadata={"category": "contract"}),
    LLMTestCase(name="con-2", input="CRASH the judge", actual_output="yes",
                expected_output="yes", metadata={"category": "contract"}),
    LLMTestCase(name="rec-1", input="Receipt total?", actual_output="12.50",
                expected_output="12.50", metadata={"category": "receipt"}),
]
evaluate(
    test_cases=cases,
    metrics=[ExactAnswer()],
    async_config=AsyncConfig(run_async=False),
    display_config=DisplayConfig(print_results=False, show_indicator=False),
    error_config=ErrorConfig(ignore_errors=True),
)
