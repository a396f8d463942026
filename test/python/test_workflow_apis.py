"""Continue-as-new, workflow id policies, memo, terminate and DescribeWorkflowExecution with the official Python SDK."""
from __future__ import annotations

import asyncio

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetWorkflowExecutionHistoryReverseRequest, ResetStickyTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.worker import Worker

from api_workflows import Countdown, SlowRetries, Waiter, fails_at_first
from oracle import Scenario, compare as oracle_compare

WORKFLOWS, ACTIVITIES = [Countdown, Waiter, SlowRetries], [fails_at_first]


async def compare(kairos, temporal_dev, name: str, scenario: Scenario):
    return await oracle_compare(kairos, temporal_dev, name, scenario, WORKFLOWS, ACTIVITIES)


async def test_continue_as_new_chain_keeps_memo(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(Countdown.run, args=[2, 1], id=workflow_id, task_queue=task_queue, memo={"owner": "py"})
        result = await handle.result()
        described = await client.get_workflow_handle(workflow_id).describe()
        return [result, await described.memo_value("owner"), described.run_id != handle.first_execution_run_id]

    outcome, history = await compare(kairos, temporal_dev, "can", scenario)
    assert outcome == [3, "py", True]
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id != ""


async def test_id_policies_and_terminate(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        first = await client.start_workflow(Waiter.run, id=workflow_id, task_queue=task_queue)
        errors = []
        try:
            await client.start_workflow(Waiter.run, id=workflow_id, task_queue=task_queue)
        except WorkflowAlreadyStartedError as err:
            errors.append(type(err).__name__)
        # USE_EXISTING: the running run is returned, nothing new starts.
        existing = await client.start_workflow(Waiter.run, id=workflow_id, task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        await asyncio.sleep(0.5)
        await first.terminate("detail", reason="by the test")
        # REJECT_DUPLICATE: a closed run's id cannot be used again.
        try:
            await client.start_workflow(Waiter.run, id=workflow_id, task_queue=task_queue, id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        except WorkflowAlreadyStartedError as err:
            errors.append(type(err).__name__)
        status = (await first.describe()).status
        return {"errors": errors, "same_run": existing.result_run_id == first.result_run_id, "status": status.name}

    outcome, history = await compare(kairos, temporal_dev, "id-policies", scenario)
    assert outcome == {"errors": ["WorkflowAlreadyStartedError", "WorkflowAlreadyStartedError"], "same_run": True, "status": "TERMINATED"}
    last = history.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
    assert last.workflow_execution_terminated_event_attributes.reason == "by the test"


async def test_describe_shows_a_pending_activity_with_its_attempt_and_last_failure(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        handle = await client.start_workflow(SlowRetries.run, workflow_id, id=workflow_id, task_queue=task_queue)
        await asyncio.sleep(1.5)  # the first attempt failed; the next waits 30 s
        described = await handle.describe()
        pending = described.raw_description.pending_activities
        summary = [(p.activity_type.name, p.attempt, p.last_failure.message, p.state) for p in pending]
        await handle.terminate("done looking")
        return {"status": described.status.name, "pending": summary}

    outcome, _ = await compare(kairos, temporal_dev, "describe", scenario)
    assert outcome["status"] == "RUNNING"
    assert len(outcome["pending"]) == 1
    name, attempt, failure, _state = outcome["pending"][0]
    assert (name, attempt) == ("fails_at_first", 2)
    assert "attempt 1 of" in failure


async def wait_for_events(handle, event_type: int, count: int) -> None:
    for _ in range(600):
        history = await handle.fetch_history()
        if sum(1 for e in history.events if e.event_type == event_type) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} events of type {event_type}")


async def test_history_reverse_task_queue_pollers_and_reset_sticky(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        service = client.workflow_service
        handle = await client.start_workflow(Waiter.run, id=workflow_id, task_queue=task_queue)
        await wait_for_events(handle, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1)
        pollers = await service.describe_task_queue(DescribeTaskQueueRequest(
            namespace="default", task_queue=TaskQueue(name=task_queue), task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
        await service.reset_sticky_task_queue(ResetStickyTaskQueueRequest(namespace="default", execution=WorkflowExecution(workflow_id=workflow_id)))
        await handle.signal(Waiter.finish)
        await handle.result()
        pages, token = [], b""
        while True:
            page = await service.get_workflow_execution_history_reverse(GetWorkflowExecutionHistoryReverseRequest(
                namespace="default", execution=WorkflowExecution(workflow_id=workflow_id), maximum_page_size=3, next_page_token=token))
            pages.append([e.event_id for e in page.history.events])
            token = page.next_page_token
            if not token:
                break
        return {"has_poller": len(pollers.pollers) >= 1, "pages": pages}

    outcome, _ = await compare(kairos, temporal_dev, "reverse", scenario)
    assert outcome["has_poller"] is True
    flat = [i for page in outcome["pages"] for i in page]
    assert flat == sorted(flat, reverse=True) and flat[-1] == 1


async def test_eager_start_hands_the_first_workflow_task_to_the_local_worker(kairos, temporal_dev):
    async def scenario(client: Client, task_queue: str, workflow_id: str):
        # The worker runs on this client, so the SDK asks for eager execution and takes the task.
        handle = await client.start_workflow(Countdown.run, args=[0, 1], id=workflow_id, task_queue=task_queue, request_eager_start=True)
        return [await handle.result(), getattr(handle, "__temporal_eagerly_started")]

    outcome, history = await compare(kairos, temporal_dev, "eager", scenario)
    assert outcome == [1, True]
    assert history.events[0].workflow_execution_started_event_attributes.eager_execution_accepted
    assert [e.event_type for e in history.events[:3]] == [
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]
