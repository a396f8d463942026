"""Workflows of the Python child-workflow suite (a module of their own for the workflow sandbox)."""
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@workflow.defn
class Child:
    @workflow.run
    async def run(self, text: str) -> str:
        if text == "fail":
            raise ApplicationError("child refused", non_retryable=True)
        return await workflow.execute_activity(shout, text, start_to_close_timeout=timedelta(seconds=10))


@workflow.defn
class Parent:
    """Runs one child per word and reports each result or failure."""

    @workflow.run
    async def run(self, words: list[str]) -> list[str]:
        out = []
        for i, word in enumerate(words):
            try:
                out.append(await workflow.execute_child_workflow(Child.run, word, id=f"{workflow.info().workflow_id}-child-{i}"))
            except ChildWorkflowError as err:
                out.append(f"failed: {err.cause.message if err.cause else err}")
        return out
