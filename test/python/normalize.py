"""History normalization for the differential oracle: the rules of test/oracle/MASKING.md.

The same rules, numbered the same way, as test/src/harness/normalize.ts, applied to the same
representation (canonical proto3 JSON). e2e/normalizer.test.ts runs this file as a script on
histories and checks its output equals the TypeScript normalizer's.

Script use: ``python normalize.py HISTORY.json`` prints the normalized events as JSON.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from google.protobuf.json_format import MessageToDict, Parse
from temporalio.api.history.v1 import History

RUN_ID_KEYS = {"runId", "originalExecutionRunId", "firstExecutionRunId", "newExecutionRunId", "continuedExecutionRunId", "baseRunId", "newRunId"}


def _mask_value(key: str, value: Any, parent: dict) -> Any:
    # 1. Timestamps (RFC 3339 strings in proto3 JSON; every Timestamp field is named *Time).
    if key.endswith("Time") and isinstance(value, str):
        return "<time>"
    # 2. taskId of an event.
    if key == "taskId" and "eventId" in parent and value:
        return "<task-id>"
    # 3. Run ids, when non-empty.
    if key in RUN_ID_KEYS and value:
        return "<run-id>"
    # 4. identity, when non-empty.
    if key == "identity" and value:
        return "<identity>"
    # 5. requestId, when non-empty.
    if key == "requestId" and value:
        return "<request-id>"
    # 6. historySizeBytes, when non-zero.
    if key == "historySizeBytes" and value and value != "0":
        return "<size>"
    # 7. SDK flag sets, sorted.
    if key in ("coreUsedFlags", "langUsedFlags") and isinstance(value, list):
        return sorted(value, key=int)
    # 8. Sticky task queue names.
    if key == "name" and parent.get("kind") == "TASK_QUEUE_KIND_STICKY" and value:
        return "<sticky-queue>"
    # 9. A continued run's first-task backoff (wall-clock dependent), when non-zero.
    if key == "firstWorkflowTaskBackoff" and parent.get("continuedExecutionRunId") and value and value != "0s":
        return "<backoff>"
    # 10. Namespace ids, when non-empty.
    if (key == "namespaceId" or key.endswith("NamespaceId")) and value:
        return "<namespace-id>"
    return _mask_tree(value)


def _mask_tree(value: Any) -> Any:
    if isinstance(value, list):
        return [_mask_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(k, value[k], value) for k in sorted(value)}
    return value


def normalize_json_events(events: list[dict]) -> list[dict]:
    """Applies the masking rules to events already in proto3 JSON."""
    return [_mask_tree(event) for event in events]


def normalize_history(history: History) -> list[dict]:
    """A history (as fetched by the SDK) in comparable form."""
    return normalize_json_events([MessageToDict(event) for event in history.events])


def first_differences(ours: list[dict], theirs: list[dict], limit: int = 20) -> list[str]:
    """Readable differences between two normalized histories, event by event."""
    out: list[str] = []

    def walk(path: str, a: Any, b: Any) -> None:
        if len(out) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                walk(f"{path}.{k}", a.get(k, "<absent>"), b.get(k, "<absent>"))
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(f"{path}[{i}]", x, y)
            return
        out.append(f"{path}: kairos={json.dumps(a)} temporal={json.dumps(b)}")

    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        label = f"event {i + 1} ({(b or a or {}).get('eventType', '?')})"
        if a is None or b is None:
            out.append(f"{label}: only on {'temporal' if a is None else 'kairos'}")
        else:
            walk(label, a, b)
        if len(out) >= limit:
            break
    return out


def _main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        history = Parse(f.read(), History(), ignore_unknown_fields=True)
    json.dump(normalize_history(history), sys.stdout)


if __name__ == "__main__":
    _main(sys.argv[1])
