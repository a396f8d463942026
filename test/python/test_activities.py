"""The documented activity examples with the official Python SDK, against Kairos and the real Temporal dev server."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType, TaskQueueKind
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from normalize import normalize_history
from workflows import SeveralArgsWorkflow, YourWorkflow, compose_greeting, your_activity

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


async def assert_one_activity_history(history, *, task_queue: str, activity_type: str, result: str, input_len: int):
    events = history.events
    assert [e.event_type for e in events] == EXPECTED_TYPES
    assert [e.event_id for e in events] == list(range(1, 12))
    started = events[0].workflow_execution_started_event_attributes
    assert started.task_queue.name == task_queue
    assert started.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    assert started.workflow_task_timeout.ToTimedelta() == timedelta(seconds=10)
    assert started.attempt == 1
    assert events[2].workflow_task_started_event_attributes.scheduled_event_id == 2
    assert events[3].workflow_task_completed_event_attributes.scheduled_event_id == 2
    assert events[3].workflow_task_completed_event_attributes.started_event_id == 3
    scheduled = events[4].activity_task_scheduled_event_attributes
    assert scheduled.activity_type.name == activity_type
    assert scheduled.task_queue.name == task_queue
    assert scheduled.workflow_task_completed_event_id == 4
    assert scheduled.start_to_close_timeout.ToTimedelta() == timedelta(seconds=10)
    assert scheduled.retry_policy.initial_interval.ToTimedelta() == timedelta(seconds=1)
    assert scheduled.retry_policy.backoff_coefficient == 2.0
    assert len(scheduled.input.payloads) == input_len
    activity_started = events[5].activity_task_started_event_attributes
    assert activity_started.scheduled_event_id == 5
    assert activity_started.attempt == 1
    assert activity_started.identity
    activity_completed = events[6].activity_task_completed_event_attributes
    assert activity_completed.scheduled_event_id == 5
    assert activity_completed.started_event_id == 6
    assert await decode(activity_completed.result) == [result]
    assert events[7].workflow_task_scheduled_event_attributes.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY
    completed = events[10].workflow_execution_completed_event_attributes
    assert completed.workflow_task_completed_event_id == 10
    assert await decode(completed.result) == [result]


async def test_documented_example_single_dataclass_argument(kairos):
    result, history, task_queue = await run_workflow(kairos.address, YourWorkflow, ["World"], uuid.uuid4().hex)
    assert result == "Hello, World!"
    await assert_one_activity_history(history, task_queue=task_queue, activity_type="your_activity",
                                      result="Hello, World!", input_len=1)
    scheduled = history.events[4].activity_task_scheduled_event_attributes
    assert await decode(scheduled.input) == [{"greeting": "Hello", "name": "World"}]


async def test_several_arguments(kairos):
    result, history, task_queue = await run_workflow(kairos.address, SeveralArgsWorkflow, ["Hello", "Kairos"],
                                                     uuid.uuid4().hex)
    assert result == "Hello, Kairos!"
    await assert_one_activity_history(history, task_queue=task_queue, activity_type="compose_greeting",
                                      result="Hello, Kairos!", input_len=2)
    scheduled = history.events[4].activity_task_scheduled_event_attributes
    assert await decode(scheduled.input) == ["Hello", "Kairos"]


async def _compare(kairos, temporal_dev, workflow, args):
    suffix = uuid.uuid4().hex
    k_result, k_history, _ = await run_workflow(kairos.address, workflow, args, suffix)
    t_result, t_history, _ = await run_workflow(temporal_dev.address, workflow, args, suffix)
    assert k_result == t_result
    assert normalize_history(k_history) == normalize_history(t_history)


async def test_matches_temporal_documented_example(kairos, temporal_dev):
    await _compare(kairos, temporal_dev, YourWorkflow, ["Oracle"])


async def test_matches_temporal_several_arguments(kairos, temporal_dev):
    await _compare(kairos, temporal_dev, SeveralArgsWorkflow, ["Hi", "oracle"])
