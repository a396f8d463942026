"""Workflows of the Python visibility suite (a module of their own for the workflow sandbox)."""
from temporalio import workflow
from temporalio.common import SearchAttributeKey

PY_BATCH = SearchAttributeKey.for_keyword("VisPyBatch")
PY_SCORE = SearchAttributeKey.for_float("VisPyScore")


@workflow.defn
class WaitForFinish:
    """Waits for `finish`; on `rescore`, upserts VisPyScore first."""

    def __init__(self) -> None:
        self.done = False

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.signal
    def rescore(self, score: float) -> None:
        workflow.upsert_search_attributes([PY_SCORE.value_set(score)])

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return "finished"
