"""History normalization for the differential oracle: the rules of test/oracle/MASKING.md."""
from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from temporalio.api.history.v1 import History

RUN_ID_KEYS = {"runId", "originalExecutionRunId", "firstExecutionRunId", "newExecutionRunId", "continuedExecutionRunId"}


def _value(key: str, value: Any, parent: dict) -> Any:
    if key.endswith("Time") and isinstance(value, (str, dict)):
        return "<time>"
    if key in RUN_ID_KEYS and value:
        return "<run-id>"
    if key == "identity" and value:
        return "<identity>"
    if key == "requestId" and value:
        return "<request-id>"
    if key == "historySizeBytes" and value and value != "0":
        return "<size>"
    if key in ("coreUsedFlags", "langUsedFlags") and isinstance(value, list):
        return sorted(value, key=int)
    if key == "name" and parent.get("kind") == "TASK_QUEUE_KIND_STICKY":
        return "<sticky-queue>"
    return _object(value)


def _object(value: Any) -> Any:
    if isinstance(value, list):
        return [_object(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(k, value[k], value) for k in sorted(value)}
    return value


def normalize_history(history: History) -> list[dict]:
    out = []
    for event in history.events:
        plain = _object(MessageToDict(event))
        if plain.get("taskId"):
            plain["taskId"] = "<task-id>"
        out.append(plain)
    return out
