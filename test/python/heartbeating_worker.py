"""Runs an official Python SDK worker that heartbeats every second (the SDK's default is a
minute) until its standard input closes, then shuts it down. Used by the TypeScript worker-API
suite to see a Python worker listed: python heartbeating_worker.py ADDRESS TASK_QUEUE
"""
import asyncio
import os
import sys
from datetime import timedelta

from temporalio.client import Client
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.worker import Worker

from workflows import YourWorkflow, your_activity


async def main(address: str, task_queue: str) -> None:
    runtime = Runtime(telemetry=TelemetryConfig(), worker_heartbeat_interval=timedelta(seconds=1))
    client = await Client.connect(address, runtime=runtime)
    async with Worker(client, task_queue=task_queue, workflows=[YourWorkflow], activities=[your_activity]):
        print("running", flush=True)
        # Until the test closes our standard input.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print("stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
    # The SDK's native runtime threads can crash the interpreter while it finalizes; leave without.
    sys.stdout.flush()
    os._exit(0)
