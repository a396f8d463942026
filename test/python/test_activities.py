"""The documented activity examples with the official Python SDK, against Kairos and the real Temporal dev server."""
from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType, TaskQueueKind
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from normalize import first_differences, normalize_history
from workflows import SeveralArgsWorkflow, YourWorkflow, compose_greeting, your_activity

# sdk-contract.md Appendix A without the retry.
EXPECTED_TYPES = [
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
]


async def run_workflow(address: str, workflow, args: list, suffix: str):
    """Runs `workflow` on a fresh task queue with a worker of this process; returns result, history, queue."""
    client = await Client.connect(address)
    task_queue = f"py-{workflow.__name__}-{suffix}"
    workflow_id = f"py-wf-{workflow.__name__}-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[YourWorkflow, SeveralArgsWorkflow],
                      activities=[your_activity, compose_greeting]):
        result = await client.execute_workflow(workflow.run, args=args, id=workflow_id, task_queue=task_queue)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return result, history, task_queue


async def decode(payloads) -> list:
    return await DataConverter.default.decode(payloads.payloads)


async def assert_one_activity_history(history, *, workflow_type: str, workflow_input: list, task_queue: str,
                                      activity_type: str, activity_input: list, result: str) -> None:
    events = history.events
    assert [e.event_type for e in events] == EXPECTED_TYPES
    assert [e.event_id for e in events] == list(range(1, 12))
    for e in events:
        assert e.HasField("event_time")

    started = events[0].workflow_execution_started_event_attributes
    assert started.workflow_type.name == workflow_type
    assert started.task_queue.name == task_queue
    assert started.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    assert await decode(started.input) == workflow_input
    assert started.workflow_task_timeout.ToTimedelta() == timedelta(seconds=10)
    assert started.attempt == 1
    assert started.identity
    assert started.original_execution_run_id and started.first_execution_run_id == started.original_execution_run_id

    wft_scheduled = events[1].workflow_task_scheduled_event_attributes
    assert wft_scheduled.task_queue.name == task_queue
    assert wft_scheduled.start_to_close_timeout.ToTimedelta() == timedelta(seconds=10)
    assert wft_scheduled.attempt == 1
    wft_started = events[2].workflow_task_started_event_attributes
    assert wft_started.scheduled_event_id == 2
    assert wft_started.identity and wft_started.request_id
    wft_completed = events[3].workflow_task_completed_event_attributes
    assert (wft_completed.scheduled_event_id, wft_completed.started_event_id) == (2, 3)
    assert wft_completed.identity == wft_started.identity
    assert wft_completed.sdk_metadata.sdk_name == "temporal-python"

    scheduled = events[4].activity_task_scheduled_event_attributes
    assert scheduled.activity_id == "1"
    assert scheduled.activity_type.name == activity_type
    assert scheduled.task_queue.name == task_queue
    assert scheduled.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    assert scheduled.workflow_task_completed_event_id == 4
    assert await decode(scheduled.input) == activity_input
    # Timeouts as Temporal records them: start-to-close as given, the others "none" (zero).
    assert scheduled.start_to_close_timeout.ToTimedelta() == timedelta(seconds=10)
    assert scheduled.schedule_to_close_timeout.ToTimedelta() == timedelta(0)
    assert scheduled.schedule_to_start_timeout.ToTimedelta() == timedelta(0)
    assert scheduled.heartbeat_timeout.ToTimedelta() == timedelta(0)
    # The default retry policy, filled in by the server.
    assert scheduled.retry_policy.initial_interval.ToTimedelta() == timedelta(seconds=1)
    assert scheduled.retry_policy.backoff_coefficient == 2.0
    assert scheduled.retry_policy.maximum_interval.ToTimedelta() == timedelta(seconds=100)
    assert scheduled.retry_policy.maximum_attempts == 0

    activity_started = events[5].activity_task_started_event_attributes
    assert activity_started.scheduled_event_id == 5
    assert activity_started.attempt == 1
    assert activity_started.identity and activity_started.request_id
    assert not activity_started.HasField("last_failure")
    activity_completed = events[6].activity_task_completed_event_attributes
    assert (activity_completed.scheduled_event_id, activity_completed.started_event_id) == (5, 6)
    assert activity_completed.identity
    assert await decode(activity_completed.result) == [result]

    # The second workflow task goes to the worker's sticky queue.
    wft2 = events[7].workflow_task_scheduled_event_attributes
    assert wft2.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY
    assert wft2.task_queue.normal_name == task_queue
    assert wft2.attempt == 1
    assert events[8].workflow_task_started_event_attributes.scheduled_event_id == 8
    wft2_completed = events[9].workflow_task_completed_event_attributes
    assert (wft2_completed.scheduled_event_id, wft2_completed.started_event_id) == (8, 9)

    completed = events[10].workflow_execution_completed_event_attributes
    assert completed.workflow_task_completed_event_id == 10
    assert await decode(completed.result) == [result]


async def test_documented_example_single_dataclass_argument(kairos):
    result, history, task_queue = await run_workflow(kairos.address, YourWorkflow, ["World"], uuid.uuid4().hex)
    assert result == "Hello, World!"
    await assert_one_activity_history(
        history, workflow_type="YourWorkflow", workflow_input=["World"], task_queue=task_queue,
        activity_type="your_activity", activity_input=[{"greeting": "Hello", "name": "World"}], result="Hello, World!")


async def test_several_arguments(kairos):
    result, history, task_queue = await run_workflow(kairos.address, SeveralArgsWorkflow, ["Hello", "Kairos"],
                                                     uuid.uuid4().hex)
    assert result == "Hello, Kairos!"
    await assert_one_activity_history(
        history, workflow_type="SeveralArgsWorkflow", workflow_input=["Hello", "Kairos"], task_queue=task_queue,
        activity_type="compose_greeting", activity_input=["Hello", "Kairos"], result="Hello, Kairos!")


async def _compare(kairos, temporal_dev, workflow, args):
    """The oracle: same scenario, same ids on both servers; same result and normalized history."""
    suffix = uuid.uuid4().hex
    k_result, k_history, _ = await run_workflow(kairos.address, workflow, args, suffix)
    assert len(k_history.events) == len(EXPECTED_TYPES)
    if temporal_dev is None:  # KAIROS_ORACLE=off
        return k_result
    t_result, t_history, _ = await run_workflow(temporal_dev.address, workflow, args, suffix)
    assert k_result == t_result
    ours, theirs = normalize_history(k_history), normalize_history(t_history)
    assert ours == theirs, "normalized histories differ (kairos vs temporal):\n  " + "\n  ".join(first_differences(ours, theirs))
    return k_result


async def test_matches_temporal_documented_example(kairos, temporal_dev):
    assert await _compare(kairos, temporal_dev, YourWorkflow, ["Oracle"]) == "Hello, Oracle!"


async def test_matches_temporal_several_arguments(kairos, temporal_dev):
    assert await _compare(kairos, temporal_dev, SeveralArgsWorkflow, ["Hi", "oracle"]) == "Hi, oracle!"
