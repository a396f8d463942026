import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cpuSeconds, memoryMiB } from './procStats';
import type { RunReport } from './workloads';

const REPO = resolve(__dirname, '../..');

/** What bench/python/workload_a.py prints (one JSON line) after checking every result. */
interface PythonResult {
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
}

/**
 * Workload A with the official Python SDK (`temporalio`: client and worker in one Python process,
 * bench/python/workload_a.py, which checks every result), against a server whose pid gives its
 * CPU. The server's CPU counts the script's one warm-up workflow too (a rounding error at 300).
 */
export async function runPythonWorkloadA(options: { address: string; namespace: string; workflows: number; concurrency: number; serverPid?: number }): Promise<RunReport> {
  const python = process.env.KAIROS_BENCH_PYTHON ?? resolve(REPO, 'test/.venv/bin/python');
  const cpuBefore = options.serverPid ? cpuSeconds(options.serverPid) : 0;
  const args = [resolve(REPO, 'bench/python/workload_a.py'), '--address', options.address, '--namespace', options.namespace, '--workflows', String(options.workflows), '--concurrency', String(options.concurrency)];
  const out = await new Promise<string>((ok, fail) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok(stdout) : fail(new Error(`the Python workload exited with ${code}`))));
  });
  const result = JSON.parse(out.trim().split('\n').pop()!) as PythonResult;
  const cpu = options.serverPid ? cpuSeconds(options.serverPid) - cpuBefore : null;
  return {
    workload: 'A',
    mode: `python closed ${options.concurrency}`,
    workflows: result.workflows,
    seconds: result.seconds,
    workflowsPerSecond: result.workflowsPerSecond,
    startToResultMs: { p50: result.p50ms, p95: result.p95ms, p99: result.p99ms },
    activityScheduleToStartMs: null,
    workflowTaskScheduleToStartMs: null,
    timerLatenessMs: null,
    serverCpuSecondsPer1000Workflows: cpu === null ? null : Math.round((cpu / result.workflows) * 1000 * 100) / 100,
    serverPeakRssMiB: options.serverPid ? Math.round(memoryMiB(options.serverPid).peakRss) : null,
    workerPeakRssMiB: 0,
    checkedHistories: 0,
    throughputByTenth: [],
    serverRssByTenthMiB: null,
  };
}
