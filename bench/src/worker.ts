// The benchmark worker, in a process of its own so its CPU is not the server's or the client's.
// Usage: node dist/worker.js ADDRESS NAMESPACE TASK_QUEUE [MAX_CACHED_WORKFLOWS]
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const [address, namespace, taskQueue, maxCached] = process.argv.slice(2) as [string, string, string, string | undefined];
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('../src/workflows.ts'),
    activities: {
      echo: async (value: string) => value,
      // Tells the harness (over the fork's IPC channel) that a workflow got this far.
      report: async (value: string) => {
        process.send?.('reported');
        return value;
      },
    },
    ...(maxCached ? { maxCachedWorkflows: Number(maxCached) } : {}),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
  });
  process.on('message', (msg) => {
    if (msg === 'stop') worker.shutdown();
  });
  await worker.run();
  await connection.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
