"""Runs YourWorkflow once with the official Python SDK against a server that authorizes calls:
the client's token is in $KAIROS_TEST_CLIENT_TOKEN, the worker's in $KAIROS_TEST_WORKER_TOKEN (kept
off the command line), both sent as `authorization: Bearer <token>` over plaintext. Prints
{"result": …} or {"error": <class>, "status": <gRPC status name>}.
python run_workflow_with_token.py ADDRESS NAMESPACE TASK_QUEUE WORKFLOW_ID NAME
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from workflows import YourWorkflow, your_activity


async def main(address: str, namespace: str, task_queue: str, workflow_id: str, name: str) -> None:
    client = await Client.connect(address, namespace=namespace, api_key=os.environ["KAIROS_TEST_CLIENT_TOKEN"], tls=False)
    worker_client = await Client.connect(address, namespace=namespace, api_key=os.environ["KAIROS_TEST_WORKER_TOKEN"], tls=False)
    try:
        async with Worker(worker_client, task_queue=task_queue, workflows=[YourWorkflow], activities=[your_activity]):
            result = await client.execute_workflow(YourWorkflow.run, name, id=workflow_id, task_queue=task_queue)
        print(json.dumps({"result": result}))
    except RPCError as err:
        print(json.dumps({"error": type(err).__name__, "status": err.status.name, "message": err.message}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
    sys.stdout.flush()
    os._exit(0)
