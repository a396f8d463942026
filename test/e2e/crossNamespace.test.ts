import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { errorShape, payload, rawWorker, type Command } from '../src/harness/rawWorker';

/*
 * Commands aimed at another namespace, refused as Temporal refuses them by default
 * (system.enableCrossNamespaceCommands off): the workflow task fails with the command's
 * Bad…Attributes cause, and the completion is answered INVALID_ARGUMENT.
 */

const { CommandType } = temporal.api.enums.v1;
const OTHER = 'cross-ns-other';

const crossNamespace = (kind: 'child' | 'signal' | 'cancel'): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `cross-ns-${kind}`, suffix });
  try {
    const target = `cross-ns-target-${kind}-${suffix}`;
    const command: Command =
      kind === 'child'
        ? {
            commandType: CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
            // The child's own queue: its first task never comes before the parent's on the poll below.
            startChildWorkflowExecutionCommandAttributes: { namespace: OTHER, workflowId: target, workflowType: { name: 'Child' }, taskQueue: { name: `${w.taskQueue}-child` } },
          }
        : kind === 'signal'
          ? {
              commandType: CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
              signalExternalWorkflowExecutionCommandAttributes: { namespace: OTHER, execution: { workflowId: target }, signalName: 'hello', input: { payloads: [payload(1)] } },
            }
          : {
              commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION,
              requestCancelExternalWorkflowExecutionCommandAttributes: { namespace: OTHER, workflowId: target },
            };
    const first = await w.mustPoll();
    const refused = await errorShape(w.complete(first, [command]));
    // The same command naming the run's own namespace is accepted.
    const second = await w.mustPoll();
    const sameNamespace = await errorShape(w.complete(second, [{ ...command, ...withNamespace(command, 'default') }]));
    // The command's outcome (child started; signal or cancel failed: no such target) schedules the
    // next workflow task: waiting for it keeps the termination after that event on both servers.
    const third = await w.mustPoll();
    await w.terminate('done');
    return { outcome: { refused, sameNamespace, tasks: [first, second, third].map(w.shape) }, workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

function withNamespace(command: Command, namespace: string): Command {
  const copy: Command = { ...command };
  if (copy.startChildWorkflowExecutionCommandAttributes) copy.startChildWorkflowExecutionCommandAttributes = { ...copy.startChildWorkflowExecutionCommandAttributes, namespace };
  if (copy.signalExternalWorkflowExecutionCommandAttributes) copy.signalExternalWorkflowExecutionCommandAttributes = { ...copy.signalExternalWorkflowExecutionCommandAttributes, namespace };
  if (copy.requestCancelExternalWorkflowExecutionCommandAttributes)
    copy.requestCancelExternalWorkflowExecutionCommandAttributes = { ...copy.requestCancelExternalWorkflowExecutionCommandAttributes, namespace };
  return copy;
}

describe('commands aimed at another namespace, compared with the real Temporal dev server', () => {
  const servers = useOracleServers({ namespaces: [OTHER] });

  for (const kind of ['child', 'signal', 'cancel'] as const) {
    it(`${kind}: the workflow task fails with "cross namespace commands are not allowed"`, async () => {
      const run = await servers.compare(crossNamespace(kind));
      const outcome = run.outcome as { refused: { code: number; details: string }; sameNamespace: unknown };
      expect(outcome.refused.code).toBe(3);
      expect(outcome.refused.details).toContain('cross namespace commands are not allowed');
      expect(outcome.sameNamespace).toBe('OK');
    });
  }
});
