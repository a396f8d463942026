#!/usr/bin/env node
// A first, closed-loop measurement of workload A (N workflows x 1 activity) with the official
// TypeScript SDK against any server: node bench/quick-workload-a.js --address 127.0.0.1:7233
// [--workflows 300] [--concurrency 20]. Checks every result; prints one JSON line.
// (The full side-by-side harness is the performance issue's work.)
const { Client, Connection } = require('@temporalio/client');
const { DefaultLogger, NativeConnection, Runtime, Worker } = require('@temporalio/worker');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const address = arg('address', '127.0.0.1:7233');
  const total = Number(arg('workflows', '300'));
  const concurrency = Number(arg('concurrency', '20'));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const taskQueue = `bench-a-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./workflows/oneActivity.js'),
    activities: { greet: async (name) => `Hello, ${name}!` },
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const report = await worker.runUntil(async () => {
    await client.workflow.execute('oneActivity', { taskQueue, workflowId: `${taskQueue}-warmup`, args: ['warmup'] });
    const latencies = [];
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          const result = await client.workflow.execute('oneActivity', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [`w${i}`] });
          if (result !== `Hello, w${i}!`) throw new Error(`wrong result for workflow ${i}: ${result}`);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]);
    return { address, workflows: total, concurrency, seconds: +seconds.toFixed(2), workflowsPerSecond: +(total / seconds).toFixed(1), p50ms: pct(0.5), p95ms: pct(0.95), p99ms: pct(0.99) };
  });
  console.log(JSON.stringify(report));
  await connection.close();
  await nativeConnection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
