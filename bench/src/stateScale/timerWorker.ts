import { setMaxListeners } from 'node:events';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;

const DAY_SECONDS = 86_400;

/** The one command every workflow answers its first task with: a timer of a day. */
const startTimer = (): temporal.api.command.v1.ICommand => ({
  commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER,
  startTimerCommandAttributes: { timerId: 'day', startToFireTimeout: { seconds: DAY_SECONDS as never } },
});

/**
 * Opens `workflows` workflows that stay open, over raw gRPC (no SDK worker, no sandbox): each
 * start asks for eager execution and its first workflow task is answered at once with a day-long
 * StartTimer; tasks that come by poll instead (no eager task given) are answered the same way by
 * pollers. Resolves when every workflow has its timer.
 */
export async function openTimerWorkflows(address: string, namespace: string, workflows: number, concurrency: number, prefix: string): Promise<{ seconds: number }> {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const taskQueue = `${prefix}-queue`;
  const identity = 'state-scale-timer-worker';
  let answered = 0;
  const answer = async (task: PollResponse) => {
    await service.respondWorkflowTaskCompleted({ namespace, taskToken: task.taskToken, identity, commands: [startTimer()] });
    answered++;
  };
  const started = performance.now();
  let done = false;
  // Polls are cancelled before the connection closes (a closed channel would fail their retries).
  const stopPolls = new AbortController();
  setMaxListeners(0, stopPolls.signal); // one listener per poll in flight
  const pollers = Array.from({ length: 4 }, async () => {
    while (!done) {
      try {
        // A long poll needs a deadline (the server refuses one without).
        const task = await connection.withAbortSignal(stopPolls.signal, () =>
          connection.withDeadline(Date.now() + 70_000, () => service.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity })),
        );
        if (task.taskToken?.length) await answer(task);
      } catch (err) {
        if (!done) throw err;
      }
    }
  });
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < workflows) {
          const i = next++;
          const response = await service.startWorkflowExecution({
            namespace,
            workflowId: `${prefix}-${i}`,
            workflowType: { name: 'OpenOnTimer' },
            taskQueue: { name: taskQueue },
            requestId: `${prefix}-${i}`,
            identity,
            requestEagerExecution: true,
          });
          if (response.eagerWorkflowTask?.taskToken?.length) await answer(response.eagerWorkflowTask);
        }
      }),
    );
    const deadline = Date.now() + 30 * 60_000;
    while (answered < workflows) {
      if (Date.now() > deadline) throw new Error(`only ${answered} of ${workflows} workflows got their timer in 30 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    done = true;
    stopPolls.abort();
    await Promise.allSettled(pollers);
    await connection.close();
  }
}
