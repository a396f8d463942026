"""The differential oracle for Python scenarios: run on Kairos and on the real Temporal dev server, compare."""
from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Sequence

from temporalio.client import Client
from temporalio.worker import Worker

from normalize import first_differences, normalize_history

# A scenario gets a client, a task queue and a workflow id (the same on both servers) and returns its outcome.
Scenario = Callable[[Client, str, str], Awaitable[Any]]


async def run_scenario(address: str, name: str, suffix: str, scenario: Scenario, workflows: Sequence[type], activities: Sequence[Callable]):
    client = await Client.connect(address)
    task_queue = f"py-{name}-{suffix}"
    workflow_id = f"py-wf-{name}-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=list(workflows), activities=list(activities)):
        outcome = await scenario(client, task_queue, workflow_id)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return outcome, history


async def compare(kairos, temporal_dev, name: str, scenario: Scenario, workflows: Sequence[type], activities: Sequence[Callable] = ()):
    """Runs the scenario on Kairos and (unless the oracle is off) on Temporal; outcomes and normalized histories must match."""
    suffix = uuid.uuid4().hex
    outcome, history = await run_scenario(kairos.address, name, suffix, scenario, workflows, activities)
    if temporal_dev is not None:
        t_outcome, t_history = await run_scenario(temporal_dev.address, name, suffix, scenario, workflows, activities)
        assert outcome == t_outcome
        assert_same_history(history, t_history)
    return outcome, history


def assert_same_history(ours, theirs) -> None:
    """Kairos's history (first) normalized equals Temporal's (second)."""
    a, b = normalize_history(ours), normalize_history(theirs)
    assert a == b, "normalized histories differ (kairos vs temporal):\n  " + "\n  ".join(first_differences(a, b))
