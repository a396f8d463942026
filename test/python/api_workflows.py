"""Workflows of the Python workflow-API suite (a module of their own for the workflow sandbox)."""
import asyncio
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy


@activity.defn
async def fails_at_first(key: str) -> str:
    if activity.info().attempt < 3:
        raise RuntimeError(f"attempt {activity.info().attempt} of {key} failed")
    return "done"


@workflow.defn
class Countdown:
    """Continues as new until the count reaches zero; returns how many runs there were."""

    @workflow.run
    async def run(self, count: int, runs: int) -> int:
        if count == 0:
            return runs
        workflow.continue_as_new(args=[count - 1, runs + 1])


@workflow.defn
class Waiter:
    """Waits for the finish signal."""

    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return "finished"

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@workflow.defn
class SlowRetries:
    """Runs an activity whose first attempts fail, with a long retry interval (so it stays pending)."""

    @workflow.run
    async def run(self, key: str) -> str:
        return await workflow.execute_activity(
            fails_at_first, key, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=30), maximum_attempts=3),
        )
