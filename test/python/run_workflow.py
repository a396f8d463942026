"""Runs YourWorkflow once with the official Python SDK against a server given by address, and
prints the result as JSON. Used by the TypeScript cluster suite to drive a Kairos cluster from
Python: python run_workflow.py ADDRESS TASK_QUEUE WORKFLOW_ID NAME
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from workflows import YourWorkflow, your_activity


async def main(address: str, task_queue: str, workflow_id: str, name: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, workflows=[YourWorkflow], activities=[your_activity]):
        result = await client.execute_workflow(YourWorkflow.run, name, id=workflow_id, task_queue=task_queue)
    print(json.dumps({"result": result}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
    # The SDK's native runtime threads can crash the interpreter while it finalizes
    # ("PyGILState_Release ... finalizing"); the result is out, so leave without finalizing.
    sys.stdout.flush()
    os._exit(0)
