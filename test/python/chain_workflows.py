"""Workflows of the Python cron and chain suite (a module of their own for the workflow sandbox)."""
import asyncio

from temporalio import workflow


@workflow.defn
class CronCounter:
    """Counts the runs of a cron chain through the last completed run's result."""

    @workflow.run
    async def run(self) -> int:
        previous = workflow.get_last_completion_result(int) if workflow.info().cron_schedule else None
        return (previous or 0) + 1


@workflow.defn
class SleepsForever:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(86400)
        return "not reached"
