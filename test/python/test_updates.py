"""Workflow updates with the official Python SDK, compared with the real Temporal dev server."""
from __future__ import annotations

import asyncio

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from oracle import Scenario, compare as oracle_compare
from update_workflows import Ledger, triple

WORKFLOWS, ACTIVITIES = [Ledger], [triple]


async def compare(kairos, temporal_dev, name: str, scenario: Scenario):
    return await oracle_compare(kairos, temporal_dev, name, scenario, WORKFLOWS, ACTIVITIES)


def update_event_types(history) -> list[str]:
    return [EventType.Name(e.event_type) for e in history.events if "UPDATE" in EventType.Name(e.event_type)]


async def test_updates_accept_reject_and_fail(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Ledger.run, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(0.5)  # the first workflow task has run: updates get tasks of their own
        after_deposit = await handle.execute_update(Ledger.deposit, 10, id="deposit-10")
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(Ledger.withdraw, 50, id="withdraw-50")
        after_withdraw = await handle.execute_update(Ledger.withdraw, 4, id="withdraw-4")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(Ledger.refuse, id="refuse")
        # The same id again is the same update: its first outcome, no second run.
        again = await handle.execute_update(Ledger.deposit, 10, id="deposit-10")
        await handle.signal(Ledger.finish)
        return {
            "after_deposit": after_deposit,
            "rejected": str(rejected.value.cause),
            "after_withdraw": after_withdraw,
            "refused": (str(refused.value.cause), isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type),
            "again": again,
            "result": await handle.result(),
        }

    outcome, history = await compare(kairos, temporal_dev, "updates", scenario)
    assert outcome == {
        "after_deposit": 10,
        "rejected": "ValueError: insufficient funds: 10 < 50",
        "after_withdraw": 6,
        "refused": ("Refused: not today", "Refused"),
        "again": 10,
        "result": 6,
    }
    # The rejected withdrawal left nothing; the three accepted updates one pair each.
    assert update_event_types(history) == ["EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED", "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED"] * 3


async def test_update_started_then_awaited(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Ledger.run, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(0.5)  # the first workflow task has run: updates get tasks of their own
        await handle.execute_update(Ledger.deposit, 1, id="first")
        update = await handle.start_update(Ledger.deposit_tripled, 5, id="tripled", wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        value = await update.result()
        fetched = await handle.get_update_handle("tripled", result_type=int).result()
        await handle.signal(Ledger.finish)
        return [value, fetched, await handle.result()]

    outcome, _ = await compare(kairos, temporal_dev, "update-started", scenario)
    assert outcome == [16, 16, 16]


async def test_update_with_start(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        def start_operation():
            return WithStartWorkflowOperation(Ledger.run, id=workflow_id, task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)

        first = start_operation()
        created = await client.execute_update_with_start_workflow(Ledger.deposit, 7, id="uws-1", start_workflow_operation=first)
        handle = await first.workflow_handle()
        await asyncio.sleep(0.5)
        second = start_operation()
        existing = await client.execute_update_with_start_workflow(Ledger.deposit, 3, id="uws-2", start_workflow_operation=second)
        same_run = (await second.workflow_handle()).first_execution_run_id == handle.first_execution_run_id
        await handle.signal(Ledger.finish)
        return [created, existing, same_run, await handle.result()]

    outcome, history = await compare(kairos, temporal_dev, "update-with-start", scenario)
    assert outcome == [7, 10, True, 10]
    # The first workflow task carried the first update.
    assert EventType.Name(history.events[4].event_type) == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"
