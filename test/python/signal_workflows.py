"""Workflows of the Python signal and cancellation suite (a module of their own for the workflow sandbox)."""
import asyncio
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def clean_up(reason: str) -> str:
    return f"cleaned up after {reason}"


@workflow.defn
class Collect:
    """Collects the items signalled until `finish`, then returns them in arrival order."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.done = False

    @workflow.signal
    def add_item(self, item: str) -> None:
        self.items.append(item)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def items_so_far(self) -> list[str]:
        return self.items

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return self.items


@workflow.defn
class CleanUpOnCancel:
    """Sleeps a day; cancelled, runs a clean-up activity (shielded) and returns its result."""

    @workflow.run
    async def run(self) -> str:
        try:
            await asyncio.sleep(86_400)
            return "woke up"
        except asyncio.CancelledError:
            return await asyncio.shield(
                workflow.execute_activity(clean_up, "cancelled", start_to_close_timeout=timedelta(seconds=10))
            )
