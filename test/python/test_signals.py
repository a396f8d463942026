"""Signals, signal-with-start and cancellation with the official Python SDK, compared with the real Temporal dev server."""
from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import CancelledError

from oracle import Scenario, compare as oracle_compare
from signal_workflows import CleanUpOnCancel, Collect, clean_up

WORKFLOWS, ACTIVITIES = [Collect, CleanUpOnCancel], [clean_up]


async def compare(kairos, temporal_dev, name: str, scenario: Scenario):
    return await oracle_compare(kairos, temporal_dev, name, scenario, WORKFLOWS, ACTIVITIES)


async def test_signals_in_order(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Collect.run, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(0.5)
        for item in ["x", "y"]:
            await handle.signal(Collect.add_item, item)
            await asyncio.sleep(0.3)
        await handle.signal(Collect.finish)
        return await handle.result()

    outcome, history = await compare(kairos, temporal_dev, "signals", scenario)
    assert outcome == ["x", "y"]
    signalled = [e.workflow_execution_signaled_event_attributes.signal_name for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]
    assert signalled == ["add_item", "add_item", "finish"]


async def test_signal_with_start(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Collect.run, id=workflow_id, task_queue=task_queue,
                                             start_signal="add_item", start_signal_args=["first"])
        await asyncio.sleep(0.5)
        await handle.signal(Collect.finish)
        return await handle.result()

    outcome, history = await compare(kairos, temporal_dev, "signal-with-start", scenario)
    assert outcome == ["first"]
    assert history.events[1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED


async def test_cancel_then_clean_up(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(CleanUpOnCancel.run, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(0.5)
        await handle.cancel()
        return await handle.result()

    outcome, history = await compare(kairos, temporal_dev, "cancel", scenario)
    assert outcome == "cleaned up after cancelled"
    types = [e.event_type for e in history.events]
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED in types
    assert types[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


async def test_queries_running_and_completed(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Collect.run, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(0.5)
        before = await handle.query(Collect.items_so_far)
        await handle.signal(Collect.add_item, "q")
        await asyncio.sleep(0.5)
        during = await handle.query(Collect.items_so_far)
        await handle.signal(Collect.finish)
        await handle.result()
        after = await handle.query(Collect.items_so_far)
        return [before, during, after]

    outcome, history = await compare(kairos, temporal_dev, "query", scenario)
    assert outcome == [[], ["q"], ["q"]]
