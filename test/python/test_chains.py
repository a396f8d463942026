"""Cron schedules and retried run timeouts with the official Python SDK, compared with the real Temporal dev server."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import ContinueAsNewInitiator, EventType, RetryState
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import TimeoutError
from temporalio.worker import Worker

from chain_workflows import CronCounter, SleepsForever
from oracle import assert_same_history


async def wait_closed(client: Client, workflow_id: str, run_id: str) -> None:
    while (await client.get_workflow_handle(workflow_id, run_id=run_id).describe()).status == WorkflowExecutionStatus.RUNNING:
        await asyncio.sleep(0.2)


async def cron_scenario(address: str, suffix: str):
    client = await Client.connect(address)
    task_queue, workflow_id = f"py-cron-{suffix}", f"py-wf-cron-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[CronCounter]):
        handle = await client.start_workflow(CronCounter.run, id=workflow_id, task_queue=task_queue, cron_schedule="@every 2s")
        runs, run_id = [], handle.first_execution_run_id
        for _ in range(2):
            await wait_closed(client, workflow_id, run_id)
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
            runs.append(history)
            run_id = history.events[-1].workflow_execution_completed_event_attributes.new_execution_run_id
        await client.get_workflow_handle(workflow_id).terminate("enough")
        status = (await client.get_workflow_handle(workflow_id).describe()).status
    return runs, status


async def test_cron_runs_follow_each_other_until_terminated(kairos, temporal_dev):
    suffix = uuid.uuid4().hex
    runs, status = await cron_scenario(kairos.address, suffix)
    if temporal_dev is not None:
        t_runs, t_status = await cron_scenario(temporal_dev.address, suffix)
        assert status == t_status
        for ours, theirs in zip(runs, t_runs):
            assert_same_history(ours, theirs)
    converter = DataConverter.default.payload_converter
    results = [converter.from_payloads(h.events[-1].workflow_execution_completed_event_attributes.result.payloads, [int])[0] for h in runs]
    assert results == [1, 2]
    started = [h.events[0].workflow_execution_started_event_attributes for h in runs]
    assert [s.initiator for s in started] == [ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE] * 2
    assert started[1].continued_execution_run_id == runs[0].events[0].workflow_execution_started_event_attributes.original_execution_run_id
    assert status == WorkflowExecutionStatus.TERMINATED


async def timeout_scenario(address: str, suffix: str):
    client = await Client.connect(address)
    task_queue, workflow_id = f"py-timeout-{suffix}", f"py-wf-timeout-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[SleepsForever]):
        handle = await client.start_workflow(
            SleepsForever.run, id=workflow_id, task_queue=task_queue, run_timeout=timedelta(seconds=1),
            retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(seconds=1)),
        )
        try:
            await handle.result()
            raise AssertionError("the workflow should have timed out")
        except WorkflowFailureError as err:
            failure = type(err.cause).__name__
        history = await handle.fetch_history()
    return failure, history


async def test_run_timeout_is_retried_by_the_retry_policy(kairos, temporal_dev):
    suffix = uuid.uuid4().hex
    failure, history = await timeout_scenario(kairos.address, suffix)
    if temporal_dev is not None:
        t_failure, t_history = await timeout_scenario(temporal_dev.address, suffix)
        assert failure == t_failure
        assert_same_history(history, t_history)
    assert failure == TimeoutError.__name__
    last = history.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT
    assert last.workflow_execution_timed_out_event_attributes.retry_state == RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
    assert history.events[0].workflow_execution_started_event_attributes.attempt == 2
