"""Runs YourWorkflow once with the official Python SDK against a server given by address, and
prints the result as JSON. Used by the TypeScript cluster suite to drive a Kairos cluster from
Python: python run_workflow.py ADDRESS TASK_QUEUE WORKFLOW_ID NAME
TLS when KAIROS_TLS_CA names the server's CA file (KAIROS_TLS_SERVER_NAME the name to check;
KAIROS_TLS_CERT and KAIROS_TLS_KEY a client certificate for mTLS).
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client
from temporalio.service import TLSConfig
from temporalio.worker import Worker

from workflows import YourWorkflow, your_activity


def tls_from_env():
    ca = os.environ.get("KAIROS_TLS_CA")
    if not ca:
        return False
    read = lambda name: open(os.environ[name], "rb").read() if os.environ.get(name) else None
    return TLSConfig(
        server_root_ca_cert=read("KAIROS_TLS_CA"),
        domain=os.environ.get("KAIROS_TLS_SERVER_NAME"),
        client_cert=read("KAIROS_TLS_CERT"),
        client_private_key=read("KAIROS_TLS_KEY"),
    )


async def main(address: str, task_queue: str, workflow_id: str, name: str) -> None:
    client = await Client.connect(address, tls=tls_from_env())
    async with Worker(client, task_queue=task_queue, workflows=[YourWorkflow], activities=[your_activity]):
        result = await client.execute_workflow(YourWorkflow.run, name, id=workflow_id, task_queue=task_queue)
    print(json.dumps({"result": result}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
    # The SDK's native runtime threads can crash the interpreter while it finalizes
    # ("PyGILState_Release ... finalizing"); the result is out, so leave without finalizing.
    sys.stdout.flush()
    os._exit(0)
