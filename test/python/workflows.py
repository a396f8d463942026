"""Workflows and activities of the Python suite (a module of their own for the workflow sandbox)."""
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow


@dataclass
class YourParams:
    greeting: str
    name: str


@activity.defn
async def your_activity(params: YourParams) -> str:
    return f"{params.greeting}, {params.name}!"


@activity.defn
async def compose_greeting(greeting: str, name: str) -> str:
    return f"{greeting}, {name}!"


@workflow.defn
class YourWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            your_activity, YourParams("Hello", name), start_to_close_timeout=timedelta(seconds=10)
        )


@workflow.defn
class SeveralArgsWorkflow:
    @workflow.run
    async def run(self, greeting: str, name: str) -> str:
        return await workflow.execute_activity(
            compose_greeting, args=[greeting, name], start_to_close_timeout=timedelta(seconds=10)
        )
