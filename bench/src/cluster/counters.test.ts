import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuSeconds } from '../procStats';
import { costs, netOfIdle, type ClusterSample } from './counters';
import { treeCpuSeconds } from './procTree';

const sampleAt = (atMs: number, scale: number): ClusterSample => ({
  atMs,
  serviceCpu: { frontend: 1 * scale, history: 2 * scale, matching: 0.5 * scale },
  postgresCpu: 0.4 * scale,
  natsCpu: 0.1 * scale,
  commits: 1_000 * scale,
  walBytes: 1024 * 100 * scale,
  shardRowUpdates: 70 * scale,
  executionWrites: 70 * scale,
  natsIn: 60 * scale,
  natsOut: 61 * scale,
});

describe('cluster costs', () => {
  it('divides each counter delta by the count, CPU in ms, WAL in KiB, Kairos as the sum of its services', () => {
    const c = costs(sampleAt(0, 1), sampleAt(10_000, 2), 10);
    expect(c.cpuMs).toEqual({ frontend: 100, history: 200, matching: 50, kairos: 350 });
    expect([c.postgresCpuMs, c.natsCpuMs, c.postgresCommits, c.walKiB, c.shardLockedWrites, c.executionWrites, c.natsInMsgs, c.natsOutMsgs]).toEqual([40, 10, 100, 10, 7, 7, 6, 6.1]);
  });

  it('net of idle: takes off the idle rate times the phase duration, shared among the workflows', () => {
    const perWorkflow = costs(sampleAt(0, 1), sampleAt(10_000, 2), 10);
    const idle = costs(sampleAt(0, 1), sampleAt(1_000, 1.01), 1); // per second
    const net = netOfIdle(perWorkflow, idle, 20, 10); // 20 s for 10 workflows: 2 s of idle each
    expect(net.cpuMs.history).toBeCloseTo(200 - 2 * 20, 5);
    expect(net.postgresCommits).toBeCloseTo(100 - 2 * 10, 5);
    expect(net.natsInMsgs).toBeCloseTo(6 - 2 * 0.6, 5);
  });
});

describe('treeCpuSeconds', () => {
  it('counts a busy child of the process on top of the process itself, alive and once reaped', async () => {
    // The child spins until it has used 0.2 s of CPU, says so, spins to 0.4 s, then exits: by CPU used, not by wall time.
    const script = `const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
      while (used() < 0.2); process.stdout.write('half\\n'); while (used() < 0.4); process.exit(0);`;
    const children = () => treeCpuSeconds(process.pid) - cpuSeconds(process.pid);
    const before = children();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => child.stdout!.once('data', r));
    expect(children() - before).toBeGreaterThanOrEqual(0.15);
    await exited;
    // Reaped: its time is now in the parent's children's time, not lost.
    expect(children() - before).toBeGreaterThanOrEqual(0.35);
  });
});
