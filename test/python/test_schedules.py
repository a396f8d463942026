"""Schedules with the official Python client and a Python worker, compared with the real Temporal dev server.

Each scenario runs on Kairos and on the dev server with the same ids and returns facts (no clock
readings), which must be equal on both and as expected; the backfilled workflows, whose ids and
nominal times are fixed, are also compared event by event.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, TypeVar

from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionResult,
    WorkflowHistory,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError
from temporalio.worker import Worker

from oracle import assert_same_history
from schedule_workflows import ScheduledEcho

T = TypeVar("T")
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


async def eventually(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], what: str, timeout: float = 30.0) -> T:
    """Reads until `done` holds; fails naming `what` and the last value after `timeout` s (schedules fire on their own clock, Temporal's visibility lags)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}; last read: {value!r}")
        await asyncio.sleep(0.2)


def masked(value: Any, suffix: str) -> Any:
    """The value with the run's suffix replaced by `<suffix>` in every string."""
    if isinstance(value, str):
        return value.replace(suffix, "<suffix>")
    if isinstance(value, dict):
        return {k: masked(v, suffix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v, suffix) for v in value]
    return value


def started_id(result: ScheduleActionResult) -> str:
    """The workflow id a recorded action started (every action here starts a workflow)."""
    assert isinstance(result.action, ScheduleActionExecutionStartWorkflow)
    return result.action.workflow_id


def stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def listed(client: Client, schedule_id: str) -> dict[str, Any] | None:
    """The schedule's entry in ListSchedules, as facts, or None while it is not listed."""
    async for entry in await client.list_schedules():
        if entry.id == schedule_id:
            state = entry.schedule.state if entry.schedule else None
            return {"paused": state.paused if state else None, "note": state.note if state else None}
    return None


async def scheduled_ids(client: Client, schedule_id: str) -> list[str]:
    return sorted([w.id async for w in client.list_workflows(f"TemporalScheduledById = '{schedule_id}'")])


async def describe_error(handle: ScheduleHandle) -> Any:
    try:
        await handle.describe()
        return "described"
    except RPCError as err:
        return {"status": err.status.name if err.status else None, "message": err.message}


async def interval_scenario(address: str, suffix: str) -> tuple[dict[str, Any], list[WorkflowHistory]]:
    client = await Client.connect(address)
    task_queue = f"py-sched-{suffix}"
    schedule_id = f"py-sched-every-{suffix}"
    workflow_id = f"py-sched-every-wf-{suffix}"
    id_shape = re.compile(f"^{re.escape(workflow_id)}-({STAMP})$")
    async with Worker(client, task_queue=task_queue, workflows=[ScheduledEcho]):
        handle = await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(ScheduledEcho.run, "every", id=workflow_id, task_queue=task_queue),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=2))]),
            ),
        )
        fired = await eventually(handle.describe, lambda d: d.info.num_actions >= 2, "two actions")
        recent = fired.info.recent_actions
        matches = [id_shape.match(started_id(a)) for a in recent]
        first = await client.get_workflow_handle(started_id(recent[0])).result()

        await handle.pause(note="paused by the Python test")
        paused = await handle.describe()
        # The default overlap policy is SKIP: a trigger while the last run is still running would be skipped.
        idle = await eventually(handle.describe, lambda d: not d.info.running_actions, "no running action")
        await handle.trigger()
        triggered = await eventually(handle.describe, lambda d: d.info.num_actions > idle.info.num_actions, "the triggered action")
        newest = started_id(triggered.info.recent_actions[-1])
        # Every workflow the schedule started is found by its TemporalScheduledById.
        visible = await eventually(lambda: scheduled_ids(client, schedule_id), lambda ids: len(ids) >= triggered.info.num_actions, "the started workflows listed")
        in_list = await eventually(lambda: listed(client, schedule_id), lambda e: e is not None and e["paused"], "the schedule listed as paused")

        def every_30_minutes(update: ScheduleUpdateInput) -> ScheduleUpdate:
            spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=30))])
            return ScheduleUpdate(schedule=dataclasses.replace(update.description.schedule, spec=spec))

        await handle.update(every_30_minutes)
        updated = await handle.describe()
        await handle.delete()
        deleted = await describe_error(handle)

    return masked({
        "at_least_two": fired.info.num_actions >= 2,
        "recent_ids_are_id_dash_rfc3339": all(matches) and len(matches) >= 2,
        "id_stamp_is_scheduled_at": all(m is not None and m.group(1) == stamp(a.scheduled_at) for m, a in zip(matches, recent)),
        "overlap": fired.schedule.policy.overlap,
        "first_result": {**first, "scheduled_start_time": matches[0] is not None and first["scheduled_start_time"] == matches[0].group(1)},
        "paused": {"paused": paused.schedule.state.paused, "note": paused.schedule.state.note},
        "trigger_adds": triggered.info.num_actions - idle.info.num_actions,
        "triggered_id_shape": bool(id_shape.match(newest)),
        "visible_by_scheduled_by_id": len(visible) == triggered.info.num_actions and all(id_shape.match(i) for i in visible),
        "listed": in_list,
        "updated": {
            "intervals": [(i.every, i.offset) for i in updated.schedule.spec.intervals],
            "paused": updated.schedule.state.paused,
            "note": updated.schedule.state.note,
            "overlap": updated.schedule.policy.overlap,
        },
        "deleted": deleted,
    }, suffix), []  # the started workflows' ids hold clock times: no pairs to compare


async def backfill_scenario(address: str, suffix: str) -> tuple[dict[str, Any], list[WorkflowHistory]]:
    client = await Client.connect(address)
    task_queue = f"py-sched-{suffix}"
    schedule_id = f"py-sched-cron-{suffix}"
    workflow_id = f"py-sched-cron-wf-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[ScheduledEcho]):
        handle = await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(ScheduledEcho.run, "backfilled", id=workflow_id, task_queue=task_queue),
                spec=ScheduleSpec(cron_expressions=["* * * * *"]),
                state=ScheduleState(paused=True, note="created paused"),
            ),
        )
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        await handle.backfill(ScheduleBackfill(start_at=start, end_at=start + timedelta(minutes=2), overlap=ScheduleOverlapPolicy.ALLOW_ALL))
        ids = await eventually(lambda: scheduled_ids(client, schedule_id), lambda found: len(found) >= 3, "three backfilled workflows")
        results = [await client.get_workflow_handle(i).result() for i in ids]
        histories = [await client.get_workflow_handle(i).fetch_history() for i in ids]
        described = await eventually(handle.describe, lambda d: len(d.info.recent_actions) >= 3, "three recorded actions")
        in_list = await eventually(lambda: listed(client, schedule_id), lambda e: e is not None, "the schedule listed")
        await handle.delete()
    return masked({
        "ids": ids,
        "results": results,
        "num_actions": described.info.num_actions,
        "recent": [(stamp(a.scheduled_at), started_id(a)) for a in described.info.recent_actions],
        "state": {"paused": described.schedule.state.paused, "note": described.schedule.state.note},
        "spec": {"cron_expressions": described.schedule.spec.cron_expressions, "calendars": len(described.schedule.spec.calendars)},
        "listed": in_list,
    }, suffix), histories


Scenario = Callable[[str, str], Awaitable[tuple[dict[str, Any], list[WorkflowHistory]]]]


async def compare(kairos, temporal_dev, scenario: Scenario) -> dict[str, Any]:
    """Kairos's outcome, equal to the dev server's; the histories the scenario fetched match event by event."""
    suffix = uuid.uuid4().hex[:12]
    outcome, histories = await scenario(kairos.address, suffix)
    if temporal_dev is not None:
        theirs, their_histories = await scenario(temporal_dev.address, suffix)
        assert outcome == theirs, f"kairos: {outcome!r}\ntemporal: {theirs!r}"
        assert len(histories) == len(their_histories)
        for ours, their in zip(histories, their_histories):
            assert_same_history(ours, their)
    return outcome


async def test_an_interval_schedule_fires_pauses_triggers_updates_and_deletes(kairos, temporal_dev):
    outcome = await compare(kairos, temporal_dev, interval_scenario)
    assert outcome == {
        "at_least_two": True,
        "recent_ids_are_id_dash_rfc3339": True,
        "id_stamp_is_scheduled_at": True,
        "overlap": ScheduleOverlapPolicy.SKIP,
        "first_result": {"input": "every", "scheduled_by_id": "py-sched-every-<suffix>", "scheduled_start_time": True},
        "paused": {"paused": True, "note": "paused by the Python test"},
        "trigger_adds": 1,
        "triggered_id_shape": True,
        "visible_by_scheduled_by_id": True,
        "listed": {"paused": True, "note": "paused by the Python test"},
        "updated": {"intervals": [[timedelta(minutes=30), None]], "paused": True, "note": "paused by the Python test", "overlap": ScheduleOverlapPolicy.SKIP},
        "deleted": {"status": "NOT_FOUND", "message": "schedule not found"},
    }


async def test_a_paused_cron_schedule_backfills_one_workflow_per_minute(kairos, temporal_dev):
    outcome = await compare(kairos, temporal_dev, backfill_scenario)
    stamps = ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"]
    ids = [f"py-sched-cron-wf-<suffix>-{s}" for s in stamps]
    assert outcome["ids"] == ids
    assert [r["input"] for r in outcome["results"]] == ["backfilled"] * 3
    assert [r["scheduled_start_time"] for r in outcome["results"]] == stamps
    assert [r["scheduled_by_id"] for r in outcome["results"]] == ["py-sched-cron-<suffix>"] * 3
    assert outcome["num_actions"] == 3
    assert outcome["recent"] == [[s, i] for s, i in zip(stamps, ids)]
    assert outcome["state"] == {"paused": True, "note": "created paused"}
    assert outcome["spec"] == {"cron_expressions": [], "calendars": 1}  # the cron comes back compiled to a calendar
    assert outcome["listed"] == {"paused": True, "note": "created paused"}
