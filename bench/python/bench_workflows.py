"""Workload A's workflow for the Python SDK variant (a module of its own for the sandbox)."""
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def echo(value: str) -> str:
    return value


@workflow.defn
class OneActivity:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(echo, name, start_to_close_timeout=timedelta(seconds=30))
