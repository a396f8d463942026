"""Workflows of the Python activity-execution suite (a module of their own for the workflow sandbox)."""
import asyncio
from datetime import timedelta
from typing import Any, Optional

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError, TimeoutError as TemporalTimeoutError
from temporalio.workflow import ActivityCancellationType


def describe(err: BaseException) -> dict:
    """How an activity call failed, in terms equal on every server."""
    if isinstance(err, ActivityError):
        cause = err.cause
        out: dict[str, Any] = {
            "type": "ActivityError",
            "message": err.message,
            "retry_state": err.retry_state.name if err.retry_state is not None else None,
            "cause_type": type(cause).__name__ if cause else None,
            "cause_message": cause.message if cause else None,
        }
        if isinstance(cause, TemporalTimeoutError):
            out["timeout_type"] = cause.type.name if cause.type is not None else None
            out["last_heartbeat_details"] = list(cause.last_heartbeat_details)
        return out
    if isinstance(err, CancelledError):
        return {"type": "CancelledError"}
    raise err


@workflow.defn
class CallActivity:
    """Calls one activity with the given options and reports how it ended."""

    @workflow.run
    async def run(self, spec: dict) -> dict:
        retry = spec.get("retry")
        options: dict[str, Any] = {
            "start_to_close_timeout": timedelta(seconds=spec.get("start_to_close", 10)),
            "retry_policy": RetryPolicy(
                initial_interval=timedelta(seconds=retry.get("initial", 1)),
                backoff_coefficient=retry.get("coefficient", 2.0),
                maximum_attempts=retry.get("max_attempts", 0),
            ) if retry else None,
        }
        for key in ("heartbeat", "schedule_to_close", "schedule_to_start"):
            if key in spec:
                options[f"{key}_timeout"] = timedelta(seconds=spec[key])
        if "task_queue" in spec:
            options["task_queue"] = spec["task_queue"]
        try:
            return {"result": await workflow.execute_activity(spec["activity"], args=spec.get("args", []), **options)}
        except BaseException as err:  # noqa: BLE001 - the outcome is the point
            return {"failure": describe(err)}


@workflow.defn
class CancelActivity:
    @workflow.run
    async def run(self, cancellation_type: str, task_queue: Optional[str]) -> dict:
        handle = workflow.start_activity(
            "wait_for_cancel" if task_queue is None else "quick",
            start_to_close_timeout=timedelta(seconds=20),
            heartbeat_timeout=timedelta(seconds=5),
            cancellation_type=ActivityCancellationType[cancellation_type],
            task_queue=task_queue,
        )
        await asyncio.sleep(1 if task_queue is None else 0.5)
        handle.cancel()
        try:
            return {"result": await handle}
        except BaseException as err:  # noqa: BLE001
            outcome = {"failure": describe(err)}
        if cancellation_type != "WAIT_CANCELLATION_COMPLETED" and task_queue is None:
            await asyncio.sleep(1.5)  # let the activity's own end reach the server
        return outcome


@workflow.defn
class Timers:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(0.5)
        try:
            await asyncio.wait_for(asyncio.sleep(60), timeout=0.2)
        except asyncio.TimeoutError:
            pass
        return "slept"


@workflow.defn
class ManyActivities:
    @workflow.run
    async def run(self, n: int, concurrent: bool) -> int:
        opts = {"start_to_close_timeout": timedelta(seconds=30)}
        if concurrent:
            results = await asyncio.gather(*(workflow.execute_activity("quick", f"c{i}", **opts) for i in range(n)))
            return len(results)
        for i in range(n):
            await workflow.execute_activity("quick", f"s{i}", **opts)
        return n


@workflow.defn
class AsyncCompletion:
    @workflow.run
    async def run(self) -> list:
        opts = {"start_to_close_timeout": timedelta(seconds=30), "retry_policy": RetryPolicy(maximum_attempts=1)}
        by_token = await workflow.execute_activity("complete_later", "by-token", **opts)
        by_id = await workflow.execute_activity("complete_later", "by-id", **opts)
        try:
            await workflow.execute_activity("complete_later", "fail-by-id", **opts)
            failed = "not failed"
        except ActivityError as err:
            failed = f"failed: {err.cause.message if err.cause else ''}"
        return [by_token, by_id, failed]
