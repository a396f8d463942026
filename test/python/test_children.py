"""Child workflows with the official Python SDK, compared with the real Temporal dev server."""
from __future__ import annotations

import uuid

from temporalio.client import Client
from temporalio.worker import Worker

from child_workflows import Child, Parent, shout
from normalize import first_differences, normalize_history


async def run_parent(address: str, suffix: str, words: list[str]):
    client = await Client.connect(address)
    task_queue = f"py-children-{suffix}"
    workflow_id = f"py-parent-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[Parent, Child], activities=[shout]):
        result = await client.execute_workflow(Parent.run, words, id=workflow_id, task_queue=task_queue)
    ids = [workflow_id] + [f"{workflow_id}-child-{i}" for i in range(len(words))]
    histories = {i: await client.get_workflow_handle(i).fetch_history() for i in ids}
    return result, histories


async def test_children_results_and_failures(kairos, temporal_dev):
    suffix = uuid.uuid4().hex
    words = ["one", "fail", "two"]
    result, histories = await run_parent(kairos.address, suffix, words)
    assert result == ["ONE", "failed: child refused", "TWO"]
    if temporal_dev is None:
        return
    t_result, t_histories = await run_parent(temporal_dev.address, suffix, words)
    assert t_result == result
    for workflow_id, history in histories.items():
        ours, theirs = normalize_history(history), normalize_history(t_histories[workflow_id])
        assert ours == theirs, f"{workflow_id}: normalized histories differ (kairos vs temporal):\n  " + "\n  ".join(first_differences(ours, theirs))
