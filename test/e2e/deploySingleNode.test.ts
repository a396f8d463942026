import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartRenderer, DEPLOY_TOOLS_TIMEOUT_MS, find, installDeployTools, type K8sObject } from '../src/harness/helmChart';
import { healthStatus, SERVING } from '../src/harness/health';
import { KAIROS_MAIN, REPO_ROOT, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { hasExited, spawnManaged, type ManagedProcess } from '../src/harness/processes';
import { eventTypes, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';
import { waitUntilServing } from '../src/harness/servers';

// The chart's single-node pod, run for real: `helm template` with no values, then the container's
// exact args and env run here as the pod would run them, with the official TypeScript SDK's client
// and worker against it, a stop and a start on the same volume.
//
// What differs from the pod, and only that (the test rewrites it and checks each rewrite applied):
//   - the entry point: the image's ENTRYPOINT ["kairos"] (deploy/Dockerfile) is the repository's
//     built command, `node services/kairos/dist/main.js`;
//   - the volumes: each mount path is a local directory (the ConfigMap's files written into its
//     own; the PersistentVolumeClaim's kept from one run to the next; the emptyDir fresh), and an
//     argument under a mount path points into that directory;
//   - the network: `--ip 0.0.0.0` becomes 127.0.0.1 (test servers listen on loopback only), and
//     the container's gRPC and metrics ports, after --port and --metrics-port, free local ports;
//   - the environment: the container's env as given, HOME a regular file (nothing can be created
//     under it, as nothing outside the volumes can on the pod's read-only root file system), and
//     TMPDIR the /tmp volume's directory.

const RELEASE = 'kairos';
const NAMESPACE = 'workflows';
const workflowsPath = require.resolve('../workflows/activities.ts');

interface LocalPod {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Local directory of each volume, by volume name. */
  volumeDirs: Record<string, string>;
  grpcPort: number;
  metricsPort: number;
  address: string;
  /** The rendered container, for its probes. */
  container: K8sObject;
}

/** The one Kairos container of the rendered single-node Deployment, made runnable here as described above. */
async function localPod(objects: K8sObject[], root: string): Promise<LocalPod> {
  const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'] !== 'ui');
  expect(deployments.map((d) => d.metadata.name)).toEqual([RELEASE]);
  const pod = deployments[0]!.spec.template.spec;
  expect(pod.containers).toHaveLength(1);
  const container = pod.containers[0];
  // No command: the image's entry point runs the args.
  expect(container.command).toBeUndefined();
  expect(readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8')).toMatch(/^ENTRYPOINT \["kairos"\]$/m);

  // Volumes.
  const volumeDirs: Record<string, string> = {};
  for (const volume of pod.volumes as K8sObject[]) {
    const dir = join(root, `volume-${volume.name}`);
    mkdirSync(dir, { recursive: true });
    if (volume.configMap) {
      const configMap = find(objects, 'ConfigMap', volume.configMap.name);
      for (const [file, content] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(dir, file), content);
    } else if (!volume.persistentVolumeClaim && !volume.emptyDir) {
      throw new Error(`volume ${volume.name}: neither a ConfigMap, a PersistentVolumeClaim nor an emptyDir`);
    }
    volumeDirs[volume.name] = dir;
  }
  const mounts = (container.volumeMounts as K8sObject[]).map((m) => ({ path: m.mountPath as string, dir: volumeDirs[m.name]! }));
  const local = (arg: string): string | undefined => {
    const mount = mounts.find((m) => arg.startsWith(`${m.path}/`));
    return mount && join(mount.dir, arg.slice(mount.path.length + 1));
  };

  // Ports and args.
  const containerPort = (name: string) => (container.ports as K8sObject[]).find((p) => p.name === name)!.containerPort as number;
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const rewrites: Record<string, { from: string; to: string }> = {
    '--ip': { from: '0.0.0.0', to: '127.0.0.1' },
    '--port': { from: String(containerPort('grpc')), to: String(grpcPort) },
    '--metrics-port': { from: String(containerPort('metrics')), to: String(metricsPort) },
  };
  const applied: string[] = [];
  const args = (container.args as string[]).map((arg, i, all) => {
    const rewrite = rewrites[all[i - 1] ?? ''];
    if (rewrite) {
      expect(arg, all[i - 1]).toBe(rewrite.from);
      applied.push(all[i - 1]!);
      return rewrite.to;
    }
    return local(arg) ?? arg;
  });
  expect(applied.sort()).toEqual(Object.keys(rewrites).sort());

  // Environment: only plain values (a Secret or a field of the pod could not be had here).
  const env: Record<string, string> = {};
  for (const e of (container.env ?? []) as K8sObject[]) {
    expect(e.value, `env ${e.name}`).toBeTypeOf('string');
    env[e.name] = e.value;
  }
  const home = join(root, 'home-is-a-file');
  writeFileSync(home, '');
  const tmp = mounts.find((m) => m.path === '/tmp');
  expect(tmp, 'a /tmp volume').toBeDefined();
  Object.assign(env, { HOME: home, TMPDIR: tmp!.dir });

  return { command: process.execPath, args: [KAIROS_MAIN, ...args], env, volumeDirs, grpcPort, metricsPort, address: `127.0.0.1:${grpcPort}`, container };
}

/** The pragmas the server read back from its SQLite connection, from its `store opened` log line. */
function storeOpened(proc: ManagedProcess): { file: string; pragmas: Record<string, unknown> } {
  for (const line of readFileSync(proc.logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; file?: string; pragmas?: Record<string, unknown> };
    if (entry.msg === 'store opened' && entry.file && entry.pragmas) return { file: entry.file, pragmas: entry.pragmas };
  }
  throw new Error(`no "store opened" line in ${proc.logFile}:\n${proc.tail()}`);
}

describe('deploy: the single-node pod (helm template with no values), run for real', () => {
  let chart: ChartRenderer;
  let root: string;
  let pod: LocalPod;
  const processes: ManagedProcess[] = [];

  beforeAll(async () => {
    await installDeployTools();
    chart = new ChartRenderer(RELEASE, NAMESPACE);
    root = mkdtempSync(join(tmpdir(), 'kairos-single-node-'));
    pod = await localPod((await chart.render([])).objects, root);
  }, DEPLOY_TOOLS_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    chart?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Starts the pod's command and waits until it serves (as the startup probe would). */
  async function startPod(run: number): Promise<ManagedProcess> {
    const proc = spawnManaged(`single-node-${run}`, pod.command, pod.args, workPath(`single-node-${process.pid}-${run}.log`), 20_000, pod.env);
    processes.push(proc);
    await waitUntilServing(pod.address, { process: proc });
    return proc;
  }

  /** Stops it as the kubelet does (SIGTERM); it must exit cleanly. */
  async function stopPod(proc: ManagedProcess): Promise<void> {
    await proc.kill('SIGTERM');
    expect({ code: proc.child.exitCode, signal: proc.child.signalCode }, proc.tail()).toEqual({ code: 0, signal: null });
  }

  it('serves the SDKs on SQLite with synchronous=FULL, answers its probes and metrics, and keeps a completed workflow across a restart on the same volume', async () => {
    const dbFile = join(pod.volumeDirs.data!, 'kairos.db');
    const first = await startPod(1);

    // The probes as the kubelet sends them: gRPC health on the container's port, with its service name.
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const grpc = pod.container[probe]?.grpc as K8sObject;
      expect(grpc?.port, probe).toBe((pod.container.ports as K8sObject[]).find((p) => p.name === 'grpc')!.containerPort);
      expect(await healthStatus(pod.address, grpc.service ?? ''), probe).toBe(SERVING);
    }
    const metrics = await fetch(`http://127.0.0.1:${pod.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# TYPE /m);

    // The store: the file on the volume, fsynced at every commit.
    expect(storeOpened(first)).toEqual({ file: dbFile, pragmas: expect.objectContaining({ journal_mode: 'WAL', synchronous: 'FULL' }) });
    expect(readFileSync(first.logFile, 'utf8')).toMatch(/^Store settings: .*\bsynchronous=FULL\b/m);

    const taskQueue = `single-node-${process.pid}`;
    const workflowId = `single-node-${process.pid}-${Date.now()}`;
    const activities = { greet: async (name: string) => `hello ${name}` };
    const before = await withWorker({ address: pod.address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = await client.workflow.start('greetOne', { taskQueue, workflowId, args: ['single node'] });
      expect(await handle.result()).toBe('hello single node');
      return { runId: handle.firstExecutionRunId, history: await handle.fetchHistory() };
    });
    expect(eventTypes(before.history)).toEqual(ONE_ACTIVITY_EVENT_TYPES);
    await stopPod(first);
    expect(existsSync(dbFile)).toBe(true);

    // The same command again, on the same volume: the workflow is there, completed, with its history.
    const second = await startPod(2);
    expect(storeOpened(second).pragmas).toMatchObject({ synchronous: 'FULL' });
    await withWorker({ address: pod.address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      expect(description.runId).toBe(before.runId);
      expect(description.status.name).toBe('COMPLETED');
      expect(await handle.result()).toBe('hello single node');
      expect(JSON.stringify((await handle.fetchHistory()).events)).toBe(JSON.stringify(before.history.events));
      const listed = [];
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(execution);
      expect(listed.map((e) => [e.runId, e.status.name])).toEqual([[before.runId, 'COMPLETED']]);
    });
    await stopPod(second);
    expect(hasExited(second)).toBe(true);
  });
});
