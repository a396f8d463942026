"""Workload A with the official Python SDK (client and worker in this process), closed loop.

    test/.venv/bin/python bench/python/workload_a.py --address 127.0.0.1:7233 --workflows 300 --concurrency 20

Checks every result; prints one JSON line.
"""
import argparse
import asyncio
import json
import time
import uuid

from temporalio.client import Client
from temporalio.worker import Worker

from bench_workflows import OneActivity, echo


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    client = await Client.connect(args.address, namespace=args.namespace)
    task_queue = f"bench-py-a-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[OneActivity], activities=[echo]):
        await client.execute_workflow(OneActivity.run, "warmup", id=f"{task_queue}-warmup", task_queue=task_queue)
        latencies: list[float] = []
        next_index = 0

        async def loop() -> None:
            nonlocal next_index
            while next_index < args.workflows:
                i = next_index
                next_index += 1
                t0 = time.perf_counter()
                result = await client.execute_workflow(OneActivity.run, f"w{i}", id=f"{task_queue}-{i}", task_queue=task_queue)
                if result != f"w{i}":
                    raise RuntimeError(f"wrong result for workflow {i}: {result!r}")
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(min(args.concurrency, args.workflows))))
        seconds = time.perf_counter() - started
    latencies.sort()
    pct = lambda p: round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1)  # noqa: E731
    print(json.dumps({"sdk": "python", "address": args.address, "workflows": args.workflows, "concurrency": args.concurrency,
                      "seconds": round(seconds, 2), "workflowsPerSecond": round(args.workflows / seconds, 1),
                      "p50ms": pct(0.5), "p95ms": pct(0.95), "p99ms": pct(0.99)}))


if __name__ == "__main__":
    asyncio.run(main())
