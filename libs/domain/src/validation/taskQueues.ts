import { TaskQueue } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { byteLength, maxIdLength } from './idLengths';

/*
 * A task queue named by a user (a start request, an activity, a child, a continue-as-new), as
 * Temporal's tqid.NormalizeAndValidateUserDefined takes it: an unset kind is NORMAL, an empty name
 * takes the default (or is refused), and the name must fit the id limit, avoid the reserved
 * prefix, and not be the internal per-namespace queue.
 */

const RESERVED_PREFIX = '/_sys/';
const PER_NAMESPACE_WORKER_QUEUE = 'temporal-sys-per-ns-tq';

function nameProblem(name: string, rootPartition: boolean): string | undefined {
  if (!name) return 'taskQueue is not set';
  if (byteLength(name) > maxIdLength()) return 'taskQueue length exceeds limit';
  if (rootPartition && name.startsWith(RESERVED_PREFIX)) return `task queue name cannot start with reserved prefix ${RESERVED_PREFIX}`;
  return undefined;
}

export type TaskQueueCheck = { taskQueue: TaskQueue; problem?: undefined } | { problem: string; taskQueue?: undefined };

/**
 * The task queue normalised, or Temporal's reason to refuse it. `defaultName` fills an empty name
 * (none: refused); `parentTaskQueue` is the queue of the run that names it, if any. A queue a
 * worker polls (not `userDefined`) may be the internal per-namespace one.
 */
export function checkTaskQueue(taskQueue: TaskQueue | undefined, defaultName = '', parentTaskQueue = '', userDefined = true): TaskQueueCheck {
  if (!taskQueue) return { problem: 'taskQueue is not set' };
  const normalised = TaskQueue.fromPartial({ ...taskQueue, kind: taskQueue.kind || TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  if (!normalised.name) {
    if (!defaultName) return { problem: 'missing task queue name' };
    normalised.name = defaultName;
  }
  const problem = nameProblem(normalised.name, true);
  if (problem) return { problem };
  if (normalised.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY && normalised.normalName) {
    const normalProblem = nameProblem(normalised.normalName, false);
    if (normalProblem) return { problem: normalProblem };
  }
  if (userDefined && normalised.name === PER_NAMESPACE_WORKER_QUEUE && parentTaskQueue !== PER_NAMESPACE_WORKER_QUEUE) {
    const parent = parentTaskQueue ? ` (in parent component task queue: ${parentTaskQueue})` : '';
    return { problem: `cannot use internal per-namespace task queue:${normalised.name}${parent}` };
  }
  return { taskQueue: normalised };
}

/**
 * A TaskQueue as Go prints one in an error (prototext on one line). The Temporal dev server's
 * build separates fields with two spaces (protobuf-go adds a space at random per build to keep
 * this text from being parsed); Kairos writes what that server writes.
 */
export function taskQueueText(taskQueue: TaskQueue): string {
  const fields: string[] = [];
  if (taskQueue.name) fields.push(`name:${goQuoted(taskQueue.name)}`);
  if (taskQueue.kind) fields.push(`kind:${TaskQueueKind[taskQueue.kind] ?? taskQueue.kind}`);
  if (taskQueue.normalName) fields.push(`normal_name:${goQuoted(taskQueue.normalName)}`);
  return fields.join('  ');
}

/** A string as prototext quotes it: backslash, quote and control characters escaped, the rest as is. */
function goQuoted(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t]|[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
  return `"${escaped}"`;
}
