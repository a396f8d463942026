// A separate process that writes to a SQLite store and reports each committed write on stdout
// (one line per write, after its promise resolved). Used by crash.test.ts:
//   node writerChild.cjs <file> <batches|forever> <writes per batch>
// Loads the TypeScript sources directly through a require hook (typescript's transpileModule).
'use strict';
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};

const { openSqliteStore } = require('../../src/sqlite/sqliteStore.ts');
const { executionKey, executionWrite, currentRecord, taskQueueTask } = require('../conformance/fixtures.ts');

async function main() {
  const [file, batchesArg, perBatchArg] = process.argv.slice(2);
  const batches = batchesArg === 'forever' ? Infinity : Number(batchesArg);
  const perBatch = Number(perBatchArg || '1');
  const { store } = openSqliteStore({ filename: file });
  const { rangeId } = await store.acquireShard(1, `child-${process.pid}`, 60_000);
  const queueRange = await store.acquireTaskQueue('ns-crash', 'crash-queue', 'workflow', `child-${process.pid}`);
  process.stdout.write(`ready ${rangeId}\n`);
  for (let batch = 0; batch < batches; batch++) {
    const keys = Array.from({ length: perBatch }, (_, i) => executionKey('ns-crash', `wf-${batch}-${i}`, `run-${batch}-${i}`));
    const results = await Promise.all(
      keys.map((key) =>
        store.writeExecution(
          executionWrite(key, {
            shardId: 1,
            rangeId,
            eventIds: [1, 2, 3],
            transfers: 1,
            timerFireTimes: [new Date(1_000_000 + batch)],
            currentExecution: { mode: 'create', record: currentRecord(key) },
          }),
        ),
      ),
    );
    const queueTaskId = await store.addTaskQueueTask('ns-crash', 'crash-queue', 'workflow', taskQueueTask(`${batch}`), queueRange);
    for (let i = 0; i < keys.length; i++) {
      process.stdout.write(`committed ${JSON.stringify({ key: keys[i], result: results[i] })}\n`);
    }
    process.stdout.write(`queued ${queueTaskId}\n`);
  }
  await store.close();
  process.stdout.write('closed\n');
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
