"""List and Count with a custom search attribute, with the official Python SDK, compared with the real Temporal dev server."""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Awaitable, Callable, TypeVar

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from visibility_workflows import PY_BATCH, PY_SCORE, WaitForFinish

T = TypeVar("T")


async def settled(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 15.0) -> T:
    """Reads until `done` holds: Kairos answers at once (read-your-writes), Temporal's visibility a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        value = await read()
        if done(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def scenario(address: str, suffix: str) -> dict[str, Any]:
    client = await Client.connect(address)
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace="default",
            search_attributes={
                "VisPyBatch": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                "VisPyScore": IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
            },
        )
    )
    task_queue = f"py-vis-{suffix}"
    batch = f"VisPyBatch = '{suffix}'"

    def short(workflow_id: str) -> str:
        return workflow_id.replace(f"-{suffix}", "").replace("py-vis-", "")

    async def ids(query: str) -> list[str]:
        return [short(w.id) async for w in client.list_workflows(query)]

    async with Worker(client, task_queue=task_queue, workflows=[WaitForFinish]):
        handles = []
        for name, score in [("a", 1.5), ("b", 2.5), ("c", 3.5)]:
            handles.append(
                await client.start_workflow(
                    WaitForFinish.run,
                    id=f"py-vis-{name}-{suffix}",
                    task_queue=task_queue,
                    search_attributes=TypedSearchAttributes([SearchAttributePair(PY_BATCH, suffix), SearchAttributePair(PY_SCORE, score)]),
                    memo={"name": name},
                )
            )
        await handles[0].signal(WaitForFinish.finish)
        assert await handles[0].result() == "finished"
        await handles[1].signal(WaitForFinish.rescore, 9.0)
        await settled(lambda: client.count_workflows(f"{batch} AND VisPyScore > 5"), lambda c: c.count == 1)
        await settled(lambda: client.count_workflows(f"{batch} AND ExecutionStatus = 'Completed'"), lambda c: c.count == 1)

        listed = [w async for w in client.list_workflows(batch)]
        grouped = await client.count_workflows(f"{batch} GROUP BY ExecutionStatus")
        try:
            await client.count_workflows("VisPyBatch = ")
            malformed: Any = "accepted"
        except RPCError as err:
            malformed = err.status
        outcome = {
            "all": [(short(w.id), w.status.name if w.status else None) for w in listed],
            "memo": sorted([await w.memo_value("name") for w in listed]),
            "scores": sorted(w.typed_search_attributes.get(PY_SCORE) for w in listed),
            "high": await ids(f"{batch} AND VisPyScore > 5"),
            "running": sorted(await ids(f"{batch} AND ExecutionStatus = 'Running'")),
            "count": (await client.count_workflows(batch)).count,
            "groups": sorted((g.group_values[0], g.count) for g in grouped.groups),
            "malformed": malformed,
        }
        for handle in handles[1:]:
            await handle.signal(WaitForFinish.finish)
            await handle.result()
        closed = await settled(lambda: client.count_workflows(f"{batch} AND ExecutionStatus = 'Completed'"), lambda c: c.count == 3)
        outcome["completed"] = closed.count
    return outcome


async def test_list_and_count_with_a_custom_search_attribute(kairos, temporal_dev):
    suffix = uuid.uuid4().hex[:12]
    outcome = await scenario(kairos.address, suffix)
    if temporal_dev is not None:
        assert outcome == await scenario(temporal_dev.address, suffix)
    assert outcome == {
        "all": [("c", "RUNNING"), ("b", "RUNNING"), ("a", "COMPLETED")],
        "memo": ["a", "b", "c"],
        "scores": [1.5, 3.5, 9.0],
        "high": ["b"],
        "running": ["b", "c"],
        "count": 3,
        "groups": [("Completed", 1), ("Running", 2)],
        "malformed": RPCStatusCode.INVALID_ARGUMENT,
        "completed": 3,
    }


async def test_list_right_after_start_and_close_on_kairos(kairos):
    """Kairos's read-your-writes: no waiting between a start or a close and the List that sees it."""
    client = await Client.connect(kairos.address)
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace="default", search_attributes={"VisPyBatch": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD})
    )
    suffix = uuid.uuid4().hex[:12]
    task_queue = f"py-vis-ryw-{suffix}"
    async with Worker(client, task_queue=task_queue, workflows=[WaitForFinish]):
        handle = await client.start_workflow(
            WaitForFinish.run,
            id=f"py-vis-ryw-{suffix}",
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(PY_BATCH, f"ryw-{suffix}")]),
        )
        assert [w.status.name async for w in client.list_workflows(f"VisPyBatch = 'ryw-{suffix}'")] == ["RUNNING"]
        await handle.signal(WaitForFinish.finish)
        await handle.result()
        assert [w.status.name async for w in client.list_workflows(f"VisPyBatch = 'ryw-{suffix}'")] == ["COMPLETED"]
        assert (await client.count_workflows(f"VisPyBatch = 'ryw-{suffix}' AND ExecutionStatus = 'Completed'")).count == 1
