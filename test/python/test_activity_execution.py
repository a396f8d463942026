"""Activity execution with the official Python SDK, each scenario compared with the real Temporal dev server."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Awaitable, Callable, Optional

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activity_workflows import AsyncCompletion, CallActivity, CancelActivity, ManyActivities, Timers
from normalize import first_differences, normalize_history

WORKFLOWS = [CallActivity, CancelActivity, Timers, ManyActivities, AsyncCompletion]


class Activities:
    """Fresh activity state per server run, so both runs see the same behaviour."""

    def __init__(self) -> None:
        self.failures: dict[str, int] = {}
        self.pending: asyncio.Queue = asyncio.Queue()

    @activity.defn(name="fail_times")
    async def fail_times(self, key: str, times: int) -> str:
        failed = self.failures.get(key, 0)
        if failed < times:
            self.failures[key] = failed + 1
            raise ApplicationError(f"failure {failed + 1}", type="Flaky")
        return f"succeeded on attempt {activity.info().attempt}"

    @activity.defn(name="fail_non_retryable")
    async def fail_non_retryable(self, message: str) -> str:
        raise ApplicationError(message, type="Fatal", non_retryable=True)

    @activity.defn(name="sleep_seconds")
    async def sleep_seconds(self, seconds: float) -> str:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            pass
        return "slept"

    @activity.defn(name="heartbeat_then_stall")
    async def heartbeat_then_stall(self, details: str) -> str:
        activity.heartbeat(details)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass
        return "stalled"

    @activity.defn(name="resume_from_heartbeat")
    async def resume_from_heartbeat(self, key: str) -> str:
        info = activity.info()
        if info.attempt == 1:
            activity.heartbeat(f"{key}:checkpoint")
            await asyncio.sleep(0.3)
            raise ApplicationError("crash after checkpoint", type="Crash")
        return f"resumed from {info.heartbeat_details[0]}"

    @activity.defn(name="wait_for_cancel")
    async def wait_for_cancel(self) -> str:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.2)

    @activity.defn(name="quick")
    async def quick(self, value: str) -> str:
        return value

    @activity.defn(name="complete_later")
    async def complete_later(self, label: str) -> str:
        info = activity.info()
        await self.pending.put((label, info.task_token, info.activity_id))
        activity.raise_complete_async()

    def all(self) -> list:
        return [self.fail_times, self.fail_non_retryable, self.sleep_seconds, self.heartbeat_then_stall,
                self.resume_from_heartbeat, self.wait_for_cancel, self.quick, self.complete_later]


Scenario = Callable[[Client, str, str, Activities], Awaitable[Any]]


async def run_on(address: str, suffix: str, scenario: Scenario) -> tuple[Any, list[dict]]:
    client = await Client.connect(address)
    task_queue = f"py-act-{suffix}"
    workflow_id = f"py-act-wf-{suffix}"
    activities = Activities()
    async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=activities.all()):
        outcome = await scenario(client, task_queue, workflow_id, activities)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return outcome, history


async def compare(kairos, temporal_dev, scenario: Scenario) -> tuple[Any, Any]:
    """Runs the scenario on both servers with the same ids; same outcome and normalized history."""
    suffix = uuid.uuid4().hex
    outcome, history = await run_on(kairos.address, suffix, scenario)
    if temporal_dev is not None:
        t_outcome, t_history = await run_on(temporal_dev.address, suffix, scenario)
        assert outcome == t_outcome
        ours, theirs = normalize_history(history), normalize_history(t_history)
        assert ours == theirs, "normalized histories differ:\n  " + "\n  ".join(first_differences(ours, theirs))
    return outcome, history


def call(spec: dict) -> Scenario:
    async def scenario(client: Client, task_queue: str, workflow_id: str, _: Activities) -> Any:
        return await client.execute_workflow(CallActivity.run, spec, id=workflow_id, task_queue=task_queue)
    return scenario


def event_types(history) -> list[int]:
    return [e.event_type for e in history.events]


async def test_retries_then_succeeds(kairos, temporal_dev):
    outcome, history = await compare(kairos, temporal_dev, call(
        {"activity": "fail_times", "args": ["k", 2], "retry": {"initial": 0.1, "max_attempts": 5}}))
    assert outcome == {"result": "succeeded on attempt 3"}
    started = next(e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
    assert started.activity_task_started_event_attributes.attempt == 3
    assert started.activity_task_started_event_attributes.last_failure.message == "failure 2"


async def test_maximum_attempts(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call(
        {"activity": "fail_times", "args": ["k", 10], "retry": {"initial": 0.1, "max_attempts": 3}}))
    assert outcome["failure"]["retry_state"] == "MAXIMUM_ATTEMPTS_REACHED"
    assert outcome["failure"]["cause_message"] == "failure 3"


async def test_non_retryable(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call({"activity": "fail_non_retryable", "args": ["stop"]}))
    assert outcome["failure"]["retry_state"] == "NON_RETRYABLE_FAILURE"


async def test_start_to_close_timeout(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call(
        {"activity": "sleep_seconds", "args": [5], "start_to_close": 1, "retry": {"max_attempts": 1}}))
    assert outcome["failure"]["timeout_type"] == "START_TO_CLOSE"


async def test_heartbeat_timeout_with_details(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call(
        {"activity": "heartbeat_then_stall", "args": ["progress-1"], "start_to_close": 20, "heartbeat": 1,
         "retry": {"max_attempts": 1}}))
    assert outcome["failure"]["timeout_type"] == "HEARTBEAT"
    assert outcome["failure"]["last_heartbeat_details"] == ["progress-1"]


async def test_heartbeat_details_reach_next_attempt(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call(
        {"activity": "resume_from_heartbeat", "args": ["k"], "retry": {"initial": 0.1, "max_attempts": 3}}))
    assert outcome == {"result": "resumed from k:checkpoint"}


async def test_schedule_to_close_timeout(kairos, temporal_dev):
    outcome, _ = await compare(kairos, temporal_dev, call(
        {"activity": "sleep_seconds", "args": [5], "schedule_to_close": 2, "start_to_close": 1, "retry": {"initial": 3}}))
    assert outcome["failure"]["timeout_type"] == "SCHEDULE_TO_CLOSE"
    assert outcome["failure"]["retry_state"] == "TIMEOUT"


async def test_schedule_to_start_timeout(kairos, temporal_dev):
    outcome, history = await compare(kairos, temporal_dev, call(
        {"activity": "quick", "args": ["x"], "schedule_to_start": 1, "task_queue": "py-no-worker"}))
    assert outcome["failure"]["timeout_type"] == "SCHEDULE_TO_START"
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED not in event_types(history)


async def _cancel(kairos, temporal_dev, cancellation_type: str, task_queue: Optional[str] = None):
    async def scenario(client: Client, tq: str, workflow_id: str, _: Activities) -> Any:
        return await client.execute_workflow(CancelActivity.run, args=[cancellation_type, task_queue], id=workflow_id, task_queue=tq)
    return await compare(kairos, temporal_dev, scenario)


async def test_cancel_try_cancel(kairos, temporal_dev):
    outcome, history = await _cancel(kairos, temporal_dev, "TRY_CANCEL")
    assert outcome["failure"]["type"] == "ActivityError"
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED in event_types(history)


async def test_cancel_wait_cancellation_completed(kairos, temporal_dev):
    outcome, history = await _cancel(kairos, temporal_dev, "WAIT_CANCELLATION_COMPLETED")
    assert outcome["failure"]["type"] == "ActivityError"
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED in event_types(history)


async def test_cancel_abandon(kairos, temporal_dev):
    outcome, history = await _cancel(kairos, temporal_dev, "ABANDON")
    assert outcome["failure"]["type"] == "ActivityError"
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED not in event_types(history)


async def test_cancel_before_start(kairos, temporal_dev):
    outcome, history = await _cancel(kairos, temporal_dev, "WAIT_CANCELLATION_COMPLETED", "py-no-worker-cancel")
    assert outcome["failure"]["type"] == "ActivityError"
    activity_events = [t for t in event_types(history) if EventType.Name(t).startswith("EVENT_TYPE_ACTIVITY")]
    assert activity_events == [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
                               EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED]


async def test_timers(kairos, temporal_dev):
    async def scenario(client: Client, tq: str, workflow_id: str, _: Activities) -> Any:
        return await client.execute_workflow(Timers.run, id=workflow_id, task_queue=tq)
    outcome, history = await compare(kairos, temporal_dev, scenario)
    assert outcome == "slept"
    # the 0.5 s sleep and the wait_for timeout fire; the 60 s sleep is cancelled
    assert event_types(history).count(EventType.EVENT_TYPE_TIMER_FIRED) == 2
    assert EventType.EVENT_TYPE_TIMER_CANCELED in event_types(history)


async def test_async_completion(kairos, temporal_dev):
    async def scenario(client: Client, tq: str, workflow_id: str, acts: Activities) -> Any:
        handle = await client.start_workflow(AsyncCompletion.run, id=workflow_id, task_queue=tq)
        label, token, _ = await acts.pending.get()
        await client.get_async_activity_handle(task_token=token).heartbeat("beat")
        await client.get_async_activity_handle(task_token=token).complete(f"{label} done")
        label, _, activity_id = await acts.pending.get()
        by_id = client.get_async_activity_handle(workflow_id=workflow_id, run_id=None, activity_id=activity_id)
        await by_id.complete(f"{label} done")
        label, _, activity_id = await acts.pending.get()
        await client.get_async_activity_handle(workflow_id=workflow_id, run_id=None, activity_id=activity_id).fail(
            ApplicationError("told to fail", non_retryable=True))
        return await handle.result()
    outcome, _ = await compare(kairos, temporal_dev, scenario)
    assert outcome == ["by-token done", "by-id done", "failed: told to fail"]


async def test_300_sequential_activities(kairos):
    async def scenario(client: Client, tq: str, workflow_id: str, _: Activities) -> Any:
        return await client.execute_workflow(ManyActivities.run, args=[300, False], id=workflow_id, task_queue=tq)
    outcome, history = await run_on(kairos.address, uuid.uuid4().hex, scenario)
    assert outcome == 300
    assert [e.event_id for e in history.events] == list(range(1, len(history.events) + 1))
    assert event_types(history).count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 300


async def test_100_concurrent_activities(kairos):
    async def scenario(client: Client, tq: str, workflow_id: str, _: Activities) -> Any:
        return await client.execute_workflow(ManyActivities.run, args=[100, True], id=workflow_id, task_queue=tq)
    outcome, history = await run_on(kairos.address, uuid.uuid4().hex, scenario)
    assert outcome == 100
    assert event_types(history).count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 100
