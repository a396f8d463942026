// The benchmark worker, in a process of its own so its CPU is not the server's or the client's.
// Usage: node dist/worker.js ADDRESS NAMESPACE TASK_QUEUE [MAX_CACHED_WORKFLOWS]
// (--eager-start runs the same worker inside the harness: eager start needs the client's connection.)
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { connectionOptions, securityFromEnv } from './connectionSecurity';

/** The benchmark's worker on a connection: its workflows and activities (`report` tells the harness over IPC). */
export function createBenchWorker(connection: NativeConnection, namespace: string, taskQueue: string, maxCached?: number): Promise<Worker> {
  return Worker.create({
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
    ...(maxCached ? { maxCachedWorkflows: maxCached } : {}),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
  });
}

async function main(): Promise<void> {
  const [address, namespace, taskQueue, maxCached] = process.argv.slice(2) as [string, string, string, string | undefined];
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address, ...connectionOptions(securityFromEnv()) });
  const worker = await createBenchWorker(connection, namespace, taskQueue, maxCached ? Number(maxCached) : undefined);
  process.on('message', (msg) => {
    if (msg === 'stop') worker.shutdown();
  });
  await worker.run();
  await connection.close();
  process.exit(0);
}

// Run as the forked worker process; imported by the harness for --eager-start.
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
