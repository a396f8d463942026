import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHART,
  ChartRenderer,
  DEPLOY_TOOLS_TIMEOUT_MS,
  explain,
  find,
  HADOLINT,
  HELM,
  installDeployTools,
  inventory,
  KUBE_VERSIONS,
  KUBECONFORM,
  ofKind,
  run,
  TOOLS,
  type K8sObject,
} from '../src/harness/helmChart';
import { KAIROS_MAIN, REPO_ROOT } from '../src/harness/paths';

// The deployment files, checked with the real tools and nothing else: hadolint on the container
// file; helm lint, helm template and kubeconform (-strict, offline, against the Kubernetes JSON
// schemas of the oldest and the newest supported Kubernetes) on the chart; then assertions on the
// rendered objects. The tools are installed by scripts/setup-deploy-tools.sh into .tools/; a tool
// that cannot be installed fails the suite. deploySingleNode.test.ts runs the single-node pod's
// command for real.

const RELEASE = 'kairos';
const NAMESPACE = 'workflows';
const SERVICES = [
  { name: 'frontend', port: 7233 },
  { name: 'history', port: 7234 },
  { name: 'matching', port: 7235 },
] as const;

/**
 * The values sets: no values at all (single-node mode), a production-like single-node set, and
 * the cluster sets: the defaults plus a store URL, a production-like set, the Web UI on, and the
 * production set with every security setting on (TLS, authorization, NetworkPolicy).
 */
const VALUE_SETS = {
  none: [],
  singleNode: [join(CHART, 'ci/single-node-values.yaml')],
  default: [join(CHART, 'ci/default-values.yaml')],
  full: [join(CHART, 'ci/full-values.yaml')],
  ui: [join(CHART, 'ci/ui-values.yaml')],
  production: [join(CHART, 'ci/production-values.yaml')],
} as const;
type ValueSet = keyof typeof VALUE_SETS;
const CLUSTER_SETS: readonly ValueSet[] = ['default', 'full', 'ui', 'production'];
/** What cluster mode renders with a store and nothing else. */
const CLUSTER_OBJECTS = [
  'ConfigMap/kairos-config',
  'Deployment/kairos-frontend',
  'Deployment/kairos-history',
  'Deployment/kairos-matching',
  'Job/kairos-schema',
  'PodDisruptionBudget/kairos-frontend',
  'PodDisruptionBudget/kairos-history',
  'PodDisruptionBudget/kairos-matching',
  'Service/kairos-frontend',
  'Service/kairos-history',
  'Service/kairos-history-headless',
  'Service/kairos-matching',
  'Service/kairos-matching-headless',
  'ServiceAccount/kairos',
];
const DEFAULT_URL = 'postgres://kairos:s3cret-password@postgres.db.svc:5432/kairos';

let chart: ChartRenderer;

function helmTemplate(values: readonly string[], kubeVersion: string, extra: string[] = []) {
  return chart.template(values, kubeVersion, extra);
}

function parseYaml(rendered: string): Promise<K8sObject[]> {
  return chart.parse(rendered);
}

const rendered = new Map<string, { text: string; objects: K8sObject[] }>();

/** Renders a values set (once per set and Kubernetes version) and parses it. */
async function renderSet(set: ValueSet, kubeVersion: string = KUBE_VERSIONS[1]): Promise<{ text: string; objects: K8sObject[] }> {
  const key = `${set}@${kubeVersion}`;
  const cached = rendered.get(key);
  if (cached) return cached;
  const result = await helmTemplate([...VALUE_SETS[set]], kubeVersion);
  expect(result.code, explain(result)).toBe(0);
  const entry = { text: result.stdout, objects: await parseYaml(result.stdout) };
  rendered.set(key, entry);
  return entry;
}

function chartAppVersion(): string {
  const match = /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'));
  if (!match) throw new Error('Chart.yaml has no appVersion');
  return match[1]!;
}

describe('deploy: the container file and the Helm chart', () => {
  beforeAll(async () => {
    // Installs helm, kubeconform, hadolint and the Kubernetes JSON schemas when missing (a few
    // minutes the first time: helm and kubeconform are built from source with Go).
    await installDeployTools();
    chart = new ChartRenderer(RELEASE, NAMESPACE);
  }, DEPLOY_TOOLS_TIMEOUT_MS);

  afterAll(() => {
    chart?.close();
  });

  it('hadolint accepts deploy/Dockerfile', async () => {
    const result = await run(HADOLINT, ['--no-color', 'deploy/Dockerfile']);
    expect(result.code, explain(result)).toBe(0);
    expect(result.stdout.trim()).toBe('');
  });

  it('the Dockerfile builds in one stage and runs as non-root from a second, with kairos as entrypoint', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^EXPOSE 7233 7234 7235 9090$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["kairos"\]$/m);
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', '.tools', 'test/.venv', 'bench/results', '**/*.db']) {
      expect(ignored).toContain(entry);
    }
  });

  it('helm lint --strict passes with no values and with each ci/ values set', async () => {
    for (const [set, files] of Object.entries(VALUE_SETS)) {
      const args = ['lint', CHART, '--strict', '--kube-version', KUBE_VERSIONS[1]];
      for (const file of files) args.push('--values', file);
      const result = await run(HELM, args);
      expect(result.code, `${set}: ${explain(result)}`).toBe(0);
      expect(result.stdout).toContain('0 chart(s) failed');
    }
  });

  for (const set of Object.keys(VALUE_SETS) as ValueSet[]) {
    for (const kubeVersion of KUBE_VERSIONS) {
      it(`values set "${set}" renders for Kubernetes ${kubeVersion} and every object passes kubeconform -strict`, async () => {
        const { text, objects } = await renderSet(set, kubeVersion);
        const file = join(chart.workDir, `${set}-${kubeVersion}.yaml`);
        writeFileSync(file, text);
        const schemas = join(TOOLS, `kubernetes-json-schema/v${kubeVersion}`);
        const result = await run(KUBECONFORM, [
          '-strict',
          '-summary',
          '-verbose',
          '-output',
          'json',
          '-n',
          '1',
          // The Prometheus Operator's CRD has no schema here; its content is asserted below.
          '-skip',
          'ServiceMonitor',
          '-schema-location',
          `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
          file,
        ]);
        expect(result.code, explain(result)).toBe(0);
        const report = JSON.parse(result.stdout) as {
          resources: { kind: string; name: string; status: string; msg: string }[];
          summary: { valid: number; invalid: number; errors: number; skipped: number };
        };
        const serviceMonitors = ofKind(objects, 'ServiceMonitor').length;
        expect(report.summary).toEqual({ valid: objects.length - serviceMonitors, invalid: 0, errors: 0, skipped: serviceMonitors });
        for (const r of report.resources) {
          expect(r.status, `${r.kind}/${r.name}: ${r.msg}`).toBe(r.kind === 'ServiceMonitor' ? 'statusSkipped' : 'statusValid');
        }
      });
    }
  }

  it('renders one Deployment per service on its port, with gRPC startup, readiness and liveness probes', async () => {
    const { objects } = await renderSet('default');
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['kairos-frontend', 'kairos-history', 'kairos-matching']);
    for (const { name, port } of SERVICES) {
      const deployment = find(objects, 'Deployment', `kairos-${name}`);
      expect(deployment.spec.replicas).toBe(1);
      const pod = deployment.spec.template.spec;
      expect(pod.containers).toHaveLength(1);
      const container = pod.containers[0];
      expect(container.ports).toEqual([
        { name: 'grpc', containerPort: port, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ]);
      for (const probe of ['startupProbe', 'livenessProbe']) {
        expect(container[probe]?.grpc, `${name} ${probe}`).toEqual({ port });
      }
      // History is ready only while it holds its shards: its named health service says so.
      const readiness = name === 'history' ? { port, service: 'kairos.historyservice.v1.HistoryService' } : { port };
      expect(container.readinessProbe?.grpc, `${name} readinessProbe`).toEqual(readiness);
      expect(container.args).toEqual([
        'server', 'start', '--service', name, '--config', '/etc/kairos/config.json',
        '--metrics-port', '9090',
      ]);
      const env = Object.fromEntries((container.env as K8sObject[]).map((e) => [e.name, e]));
      expect(env.KAIROS_POSTGRES_URL.valueFrom.secretKeyRef).toEqual({ name: 'kairos-postgres', key: 'url' });
      expect(env.POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
      expect(env.KAIROS_ADVERTISE_ADDRESS.value).toBe(`$(POD_IP):${port}`);
      // Hardened pod: non-root, read-only root file system, no capabilities.
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.resources.requests).toBeDefined();
      expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);

      const service = find(objects, 'Service', `kairos-${name}`);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(service.spec.ports.map((p: K8sObject) => [p.name, p.port, p.targetPort])).toEqual([
        ['grpc', port, 'grpc'],
        ['metrics', 9090, 'metrics'],
      ]);
    }
    // History and matching also get a headless Service that lists every pod.
    for (const name of ['history', 'matching']) {
      const headless = find(objects, 'Service', `kairos-${name}-headless`);
      expect(headless.spec.clusterIP).toBe('None');
      expect(headless.spec.publishNotReadyAddresses).toBe(true);
    }
  });

  it('the image tag defaults to the chart appVersion', async () => {
    const { objects } = await renderSet('default');
    const images = new Set(
      objects.flatMap((o) => {
        const pod = o.spec?.template?.spec;
        return pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c: K8sObject) => c.image) : [];
      }),
    );
    expect([...images]).toEqual([`kairos:${chartAppVersion()}`]);
  });

  it('the ConfigMap holds the cluster config with the Services as addresses and no secret', async () => {
    const { objects } = await renderSet('default');
    const configMap = find(objects, 'ConfigMap', 'kairos-config');
    const text = configMap.data['config.json'] as string;
    expect(text).not.toContain('s3cret-password');
    expect(text).not.toContain('postgres://');
    const config = JSON.parse(text);
    expect(config).toMatchObject({ clusterName: 'kairos', numHistoryShards: 4, logLevel: 'info', natsUrl: 'nats://nats:4222', namespaces: ['default'] });
    expect(config.store).toBeUndefined();
    for (const { name, port } of SERVICES) {
      expect(config.services[name]).toEqual({ bindIp: '0.0.0.0', port, address: `kairos-${name}.${NAMESPACE}.svc.cluster.local:${port}` });
    }
    // The URL is in the chart's Secret, made as a hook so that it exists before the schema Job.
    const secret = find(objects, 'Secret', 'kairos-postgres');
    expect(secret.stringData).toEqual({ url: DEFAULT_URL });
    expect(secret.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(0);
    for (const o of objects.filter((o) => o.kind !== 'Secret')) expect(JSON.stringify(o)).not.toContain('s3cret-password');
  });

  it('the schema Job is a pre-install/pre-upgrade hook that runs schema setup, then schema update', async () => {
    const { objects } = await renderSet('default');
    const job = find(objects, 'Job', 'kairos-schema');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    expect(job.spec.backoffLimit).toBeLessThanOrEqual(5);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers.map((c: K8sObject) => c.args)).toEqual([['schema', 'update']]);
    for (const c of pod.containers) {
      expect(c.env).toEqual([{ name: 'KAIROS_POSTGRES_URL', valueFrom: { secretKeyRef: { name: 'kairos-postgres', key: 'url' } } }]);
    }
    // Hooks run before the chart's ServiceAccount exists, so the Job does not name it.
    expect(pod.serviceAccountName).toBeUndefined();
  });

  it('each service has a PodDisruptionBudget over its pods', async () => {
    const { objects } = await renderSet('default');
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(3);
    for (const { name } of SERVICES) {
      const pdb = find(objects, 'PodDisruptionBudget', `kairos-${name}`);
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(find(objects, 'Deployment', `kairos-${name}`).spec.selector.matchLabels);
    }
  });

  it('the full values set: 3 replicas, the URL from an existing Secret, a ServiceMonitor on the metrics port, the Web UI', async () => {
    const { objects } = await renderSet('full');
    expect(ofKind(objects, 'Secret')).toEqual([]);
    for (const { name, port } of SERVICES) {
      const deployment = find(objects, 'Deployment', `kairos-${name}`);
      expect(deployment.spec.replicas).toBe(3);
      const pod = deployment.spec.template.spec;
      expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      expect(pod.tolerations).toHaveLength(1);
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(deployment.spec.template.metadata.annotations['example.com/team']).toBe('workflows');
      const container = pod.containers[0];
      expect(container.image).toBe('registry.example.com/kairos:0.1.0-rc.1');
      expect(container.ports.find((p: K8sObject) => p.name === 'metrics').containerPort).toBe(9464);
      expect(container.args.slice(-2)).toEqual(['--metrics-port', '9464']);
      const env = (container.env as K8sObject[]).find((e) => e.name === 'KAIROS_POSTGRES_URL')!;
      expect(env.valueFrom.secretKeyRef).toEqual({ name: 'kairos-db', key: 'connection-url' });
      expect(container.readinessProbe.grpc).toEqual(name === 'history' ? { port, service: 'kairos.historyservice.v1.HistoryService' } : { port });
    }
    expect(find(objects, 'Deployment', 'kairos-history').spec.template.spec.affinity.podAntiAffinity).toBeDefined();
    // The Web UI shares the pull secrets, placement and pod annotations, not the Kairos image.
    const ui = find(objects, 'Deployment', 'kairos-ui');
    expect(ui.spec.replicas).toBe(2);
    expect(ui.spec.template.metadata.annotations['example.com/team']).toBe('workflows');
    expect(ui.spec.template.spec).toMatchObject({ imagePullSecrets: [{ name: 'registry-credentials' }], nodeSelector: { 'kubernetes.io/os': 'linux' } });
    expect(ui.spec.template.spec.tolerations).toHaveLength(1);
    expect(ui.spec.template.spec.containers[0].image).toBe('temporalio/ui:2.54.1');
    expect(find(objects, 'PodDisruptionBudget', 'kairos-history').spec).toMatchObject({ minAvailable: 2 });
    expect(find(objects, 'Service', 'kairos-frontend').spec.type).toBe('LoadBalancer');
    const job = find(objects, 'Job', 'kairos-schema');
    expect(job.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'kairos-db', key: 'connection-url' });
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config).toMatchObject({ clusterName: 'prod-eu', numHistoryShards: 512, natsUrl: 'nats://nats.messaging.svc:4222', namespaces: ['default', 'orders'] });

    // The ServiceMonitor (no schema for kubeconform) selects exactly the three gRPC Services (not
    // the UI's) and scrapes their metrics port.
    const [monitor, ...others] = ofKind(objects, 'ServiceMonitor');
    expect(others).toEqual([]);
    expect(monitor!.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor!.metadata.labels.release).toBe('prometheus');
    expect(monitor!.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(monitor!.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '15s', scrapeTimeout: '10s' }]);
    const selected = ofKind(objects, 'Service').filter((s) => {
      const labels = s.metadata.labels as Record<string, string>;
      const { matchLabels, matchExpressions } = monitor!.spec.selector;
      return (
        Object.entries(matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v) &&
        (matchExpressions as K8sObject[]).every((e) => e.operator === 'In' && (e.values as string[]).includes(labels[e.key]!))
      );
    });
    const scraped = selected.filter((s) => s.spec.ports.some((p: K8sObject) => p.name === 'metrics'));
    expect(scraped.map((s) => s.metadata.name).sort()).toEqual(['kairos-frontend', 'kairos-history', 'kairos-matching']);
    for (const s of scraped) {
      expect(s.spec.ports.find((p: K8sObject) => p.name === 'metrics')).toMatchObject({ port: 9464, targetPort: 'metrics' });
    }
  });

  it('the ServiceMonitor is off by default', async () => {
    const { objects } = await renderSet('default');
    expect(ofKind(objects, 'ServiceMonitor')).toEqual([]);
  });

  it('the ui values set: the official Web UI, hardened, pointed at the frontend Service, with /healthz probes, a Service and an Ingress', async () => {
    const { objects } = await renderSet('ui');
    const deployment = find(objects, 'Deployment', 'kairos-ui');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'kairos',
      'app.kubernetes.io/instance': RELEASE,
      'app.kubernetes.io/component': 'ui',
    });
    const pod = deployment.spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    expect(container.image).toBe('temporalio/ui:2.54.1');
    // The image's configuration is its environment (the variables of its config/docker.yaml).
    expect(container.env).toEqual([
      { name: 'TEMPORAL_ADDRESS', value: `kairos-frontend.${NAMESPACE}.svc.cluster.local:7233` },
      { name: 'TEMPORAL_UI_PORT', value: '8080' },
      { name: 'TEMPORAL_DEFAULT_NAMESPACE', value: 'orders' },
      { name: 'TEMPORAL_UI_PUBLIC_PATH', value: '/temporal' },
      { name: 'TEMPORAL_CORS_ORIGINS', value: 'https://ops.example.com' },
      { name: 'TEMPORAL_DISABLE_WRITE_ACTIONS', value: 'true' },
    ]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      expect(container[probe]?.httpGet, probe).toEqual({ path: '/healthz', port: 'http' });
      expect(container[probe]?.periodSeconds, probe).toBeGreaterThan(0);
    }
    // Hardened like the Kairos pods; the image's user is named, so the numeric uid comes from us.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // The UI server writes no file (it renders its config template in memory): no volume at all.
    expect(pod.volumes).toBeUndefined();
    expect(container.volumeMounts).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();

    const service = find(objects, 'Service', 'kairos-ui');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);

    const ingress = find(objects, 'Ingress', 'kairos-ui');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['kairos.example.com'], secretName: 'kairos-ui-tls' }]);
    expect(ingress.spec.rules).toEqual([
      {
        host: 'kairos.example.com',
        http: { paths: [{ path: '/temporal', pathType: 'Prefix', backend: { service: { name: 'kairos-ui', port: { name: 'http' } } } }] },
      },
    ]);
    // The Kairos services are as without the UI, and the UI has no PodDisruptionBudget.
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['kairos-frontend', 'kairos-history', 'kairos-matching', 'kairos-ui']);
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(3);
  });

  it('the Web UI is off by default in cluster mode; on with the defaults it is a ClusterIP Service on 8080 and no Ingress', async () => {
    const defaults = (await renderSet('default')).objects;
    expect(defaults.filter((o) => o.metadata?.labels?.['app.kubernetes.io/component'] === 'ui')).toEqual([]);
    expect(ofKind(defaults, 'Ingress')).toEqual([]);

    const result = await helmTemplate([...VALUE_SETS.default], KUBE_VERSIONS[1], ['--set', 'ui.enabled=true']);
    expect(result.code, explain(result)).toBe(0);
    const objects = await parseYaml(result.stdout);
    const container = find(objects, 'Deployment', 'kairos-ui').spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'TEMPORAL_ADDRESS', value: `kairos-frontend.${NAMESPACE}.svc.cluster.local:7233` },
      { name: 'TEMPORAL_UI_PORT', value: '8080' },
      { name: 'TEMPORAL_DEFAULT_NAMESPACE', value: 'default' },
    ]);
    const service = find(objects, 'Service', 'kairos-ui');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'http' });
    expect(ofKind(objects, 'Ingress')).toEqual([]);
  });

  // --- Single-node mode: what `helm install kairos deploy/helm/kairos` gives with no values.

  const SINGLE_NODE_OBJECTS = [
    'ConfigMap/kairos-config',
    'Deployment/kairos',
    'Deployment/kairos-ui',
    'PersistentVolumeClaim/kairos-data',
    'Service/kairos',
    'Service/kairos-ui',
    'ServiceAccount/kairos',
  ];

  it('no values: single-node mode, one Deployment of one pod on a PVC with the Web UI beside it; no schema Job, no Secret, no PDB', async () => {
    const { objects } = await renderSet('none');
    expect(inventory(objects)).toEqual(SINGLE_NODE_OBJECTS);

    const deployment = find(objects, 'Deployment', 'kairos');
    // SQLite has one writer: one pod, and the old one is gone before a new one opens the file.
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'kairos',
      'app.kubernetes.io/instance': RELEASE,
      'app.kubernetes.io/component': 'server',
    });
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    const pod = deployment.spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    expect(container.image).toBe(`kairos:${chartAppVersion()}`);
    // The image's entrypoint (kairos) runs start-dev on the volume, fsyncing every commit.
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual([
      'server', 'start-dev', '--config', '/etc/kairos/config.json', '--ip', '0.0.0.0', '--port', '7233',
      '--db-filename', '/data/kairos.db', '--sqlite-synchronous', 'FULL', '--headless', '--insecure', '--metrics-port', '9090',
    ]);
    expect(container.env).toBeUndefined();
    expect(container.ports).toEqual([
      { name: 'grpc', containerPort: 7233, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe]?.grpc, probe).toEqual({ port: 7233 });
      expect(container[probe]?.periodSeconds, probe).toBeGreaterThan(0);
    }
    // Hardened as the cluster pods: non-root, read-only root file system, no capabilities.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('kairos');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
    expect(container.resources.requests).toBeDefined();
    // The only writable places: the volume (the SQLite file and its WAL) and /tmp.
    expect(container.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/kairos', readOnly: true },
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'config', configMap: { name: 'kairos-config' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'kairos-data' } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);

    const claim = find(objects, 'PersistentVolumeClaim', 'kairos-data');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    // No storageClassName: the cluster's default class. The data outlives `helm uninstall`.
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });

    const service = find(objects, 'Service', 'kairos');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: 'grpc', port: 7233, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);

    // The Web UI is on, pointed at the single-node Service.
    const ui = find(objects, 'Deployment', 'kairos-ui').spec.template.spec.containers[0];
    expect(ui.image).toBe('temporalio/ui:2.54.1');
    expect(ui.env).toEqual([
      { name: 'TEMPORAL_ADDRESS', value: `kairos.${NAMESPACE}.svc.cluster.local:7233` },
      { name: 'TEMPORAL_UI_PORT', value: '8080' },
      { name: 'TEMPORAL_DEFAULT_NAMESPACE', value: 'default' },
    ]);

    // The config file: what start-dev reads besides its flags; nothing of a cluster (NATS, services).
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config).toEqual({ logLevel: 'info', numHistoryShards: 4, namespaces: ['default'], namespaceLimits: {} });
  });

  it('the single-node values set: the StorageClass, size, access mode and annotations of the claim, resources, placement, a ServiceMonitor on the one Service', async () => {
    const { objects } = await renderSet('singleNode');
    expect(inventory(objects)).toEqual([...SINGLE_NODE_OBJECTS, 'Ingress/kairos-ui', 'ServiceMonitor/kairos'].sort());
    const claim = find(objects, 'PersistentVolumeClaim', 'kairos-data');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOncePod'], storageClassName: 'fast-ssd', resources: { requests: { storage: '50Gi' } } });
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'example.com/backup': 'daily' });
    const deployment = find(objects, 'Deployment', 'kairos');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.metadata.annotations['example.com/team']).toBe('workflows');
    const pod = deployment.spec.template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    const container = pod.containers[0];
    expect(container.image).toBe('registry.example.com/kairos:0.1.0-rc.1');
    expect(container.args.slice(-2)).toEqual(['--metrics-port', '9464']);
    expect(container.ports.find((p: K8sObject) => p.name === 'metrics').containerPort).toBe(9464);
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(container.env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=1536' }]);
    const service = find(objects, 'Service', 'kairos');
    expect(service.spec.type).toBe('LoadBalancer');
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config).toEqual({ logLevel: 'warn', numHistoryShards: 8, namespaces: ['default', 'orders'], namespaceLimits: { orders: { historyCountLimitError: 100000 } } });
    // The ServiceMonitor selects the single-node Service (and not the UI's).
    const monitor = find(objects, 'ServiceMonitor', 'kairos');
    expect(monitor.spec.selector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['server'] }]);
    expect(service.metadata.labels['app.kubernetes.io/component']).toBe('server');
    expect(monitor.spec.endpoints[0].port).toBe('metrics');
  });

  it('single-node persistence: an existing claim instead of the chart\'s, and storageClass "-" for none', async () => {
    const existing = (await chart.render([], KUBE_VERSIONS[1], ['--set', 'singleNode.persistence.existingClaim=kairos-sqlite'])).objects;
    expect(ofKind(existing, 'PersistentVolumeClaim')).toEqual([]);
    const volumes = find(existing, 'Deployment', 'kairos').spec.template.spec.volumes as K8sObject[];
    expect(volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'kairos-sqlite' } });

    const none = (await chart.render([], KUBE_VERSIONS[1], ['--set', 'singleNode.persistence.storageClass=-'])).objects;
    expect(find(none, 'PersistentVolumeClaim', 'kairos-data').spec.storageClassName).toBe('');
  });

  it('ui.enabled=false turns the Web UI off in single-node mode', async () => {
    const { objects } = await chart.render([], KUBE_VERSIONS[1], ['--set', 'ui.enabled=false']);
    expect(inventory(objects)).toEqual(SINGLE_NODE_OBJECTS.filter((o) => !o.includes('kairos-ui')));
  });

  it('one value switches to cluster mode: a PostgreSQL store gives the three Deployments, the schema Job and the PDBs, and nothing of single-node mode', async () => {
    const { objects } = await chart.render([], KUBE_VERSIONS[1], ['--set', 'postgres.existingSecret=kairos-db']);
    expect(inventory(objects)).toEqual(CLUSTER_OBJECTS);
    // The ci/ cluster sets, written before single-node mode existed, still render the cluster
    // (postgres.url: and the chart's Secret), with nothing of single-node mode.
    expect(inventory((await renderSet('default')).objects)).toEqual([...CLUSTER_OBJECTS, 'Secret/kairos-postgres'].sort());
    for (const set of CLUSTER_SETS) {
      const names = inventory((await renderSet(set)).objects);
      expect(names, set).toEqual(expect.arrayContaining(CLUSTER_OBJECTS));
      expect(names.filter((o) => o === 'Deployment/kairos' || o === 'Service/kairos' || o.startsWith('PersistentVolumeClaim/')), set).toEqual([]);
    }
  });

  // --- Security (issue 17): TLS from Secrets, authorization, NetworkPolicy. All off by default.

  /** The projected sources of a pod's "config" volume (mounted at /etc/kairos), by Secret name. */
  function secretFiles(pod: K8sObject): Record<string, string[]> {
    const volume = (pod.volumes as K8sObject[]).find((v) => v.name === 'config')!;
    const sources = (volume.projected?.sources ?? []) as K8sObject[];
    return Object.fromEntries(sources.filter((s) => s.secret).map((s) => [s.secret.name, (s.secret.items as K8sObject[]).map((i) => `${i.key}->${i.path}`)]));
  }

  it('security is off by default: plain gRPC probes, the ConfigMap volume alone, no tls or authorization in the config, no NetworkPolicy', async () => {
    for (const set of ['none', 'default', 'full'] as const) {
      const { objects } = await renderSet(set);
      expect(ofKind(objects, 'NetworkPolicy'), set).toEqual([]);
      const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
      expect(config.tls, set).toBeUndefined();
      expect(config.authorization, set).toBeUndefined();
      for (const d of ofKind(objects, 'Deployment').filter((d) => d.metadata.name !== 'kairos-ui')) {
        const pod = d.spec.template.spec;
        expect(pod.volumes.find((v: K8sObject) => v.name === 'config'), d.metadata.name).toEqual({ name: 'config', configMap: { name: 'kairos-config' } });
        expect(pod.containers[0].readinessProbe.grpc, d.metadata.name).toBeDefined();
      }
    }
  });

  it('the production values set: frontend TLS, internode mTLS, authorization, the PostgreSQL CA, NetworkPolicies', async () => {
    const { objects } = await renderSet('production');
    expect(inventory(objects)).toEqual(
      [
        ...CLUSTER_OBJECTS,
        'Deployment/kairos-ui',
        'Service/kairos-ui',
        'ServiceMonitor/kairos',
        'NetworkPolicy/kairos-frontend',
        'NetworkPolicy/kairos-history',
        'NetworkPolicy/kairos-matching',
      ].sort(),
    );

    // The config file names the mounted files; it holds no secret (no key material, no URL).
    const text = find(objects, 'ConfigMap', 'kairos-config').data['config.json'] as string;
    expect(text).not.toMatch(/BEGIN|PRIVATE|postgres:\/\/|nats:\/\//);
    const config = JSON.parse(text);
    // NATS: each service's URL (with its own user) from a Secret in $KAIROS_NATS_URL; TLS checked against the mounted CA.
    expect(config.natsUrl).toBeUndefined();
    expect(config.nats).toEqual({ tls: { caFile: '/etc/kairos/nats/ca.crt' } });
    const internodeCa = '/etc/kairos/tls/internode/ca.crt';
    expect(config.tls).toEqual({
      refreshInterval: '1m',
      frontend: { server: { certFile: '/etc/kairos/tls/frontend/tls.crt', keyFile: '/etc/kairos/tls/frontend/tls.key', requireClientAuth: false } },
      internode: {
        server: { certFile: '/etc/kairos/tls/internode/tls.crt', keyFile: '/etc/kairos/tls/internode/tls.key', clientCaFiles: [internodeCa], requireClientAuth: true },
        client: { serverName: `kairos-internode.${NAMESPACE}.svc`, rootCaFiles: [internodeCa] },
      },
    });
    expect(config.authorization).toEqual({
      authorizer: 'default',
      claimMapper: 'default',
      jwtKeyProvider: { keySourceURIs: ['https://auth.example.com/.well-known/jwks.json'], refreshInterval: '1m' },
      permissionsClaimName: 'permissions',
      audience: 'kairos',
      apiKeys: true,
    });

    // Each pod mounts only its own Secret files, under /etc/kairos (one projected volume).
    const internode = ['tls.crt->tls/internode/tls.crt', 'tls.key->tls/internode/tls.key', 'ca.crt->tls/internode/ca.crt'];
    const postgresCa = ['ca.crt->tls/postgres/ca.crt'];
    for (const { name, port } of SERVICES) {
      const pod = find(objects, 'Deployment', `kairos-${name}`).spec.template.spec;
      const container = pod.containers[0];
      expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/kairos', readOnly: true });
      const expected: Record<string, string[]> = { 'kairos-internode-tls': internode, 'postgres-ca': postgresCa, 'nats-ca': ['ca.crt->nats/ca.crt'] };
      expect(container.env.find((e: K8sObject) => e.name === 'KAIROS_NATS_URL'), name).toEqual({
        name: 'KAIROS_NATS_URL',
        valueFrom: { secretKeyRef: { name: 'kairos-nats-urls', key: name } },
      });
      if (name === 'frontend') expected['kairos-frontend-tls'] = ['tls.crt->tls/frontend/tls.crt', 'tls.key->tls/frontend/tls.key'];
      expect(secretFiles(pod), name).toEqual(expected);
      // Every gRPC port serves TLS here: the kubelet probes readiness over HTTP on the metrics
      // port, and startup and liveness with a TCP connect.
      expect(container.readinessProbe.httpGet, name).toEqual({ path: '/health/ready', port: 'metrics' });
      expect(container.readinessProbe.grpc, name).toBeUndefined();
      expect(container.startupProbe.tcpSocket, name).toEqual({ port: 'grpc' });
      expect(container.livenessProbe.tcpSocket, name).toEqual({ port: 'grpc' });
      expect(container.ports.map((p: K8sObject) => p.name)).toEqual(['grpc', 'metrics']);
      expect(port).toBeGreaterThan(0);
    }
    // The schema Job reaches PostgreSQL too: it gets the CA, nothing else.
    const job = find(objects, 'Job', 'kairos-schema').spec.template.spec;
    expect(secretFiles(job)).toEqual({ 'postgres-ca': postgresCa });
    expect(job.containers[0].volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/kairos', readOnly: true });

    // The Web UI verifies the frontend against its CA (never gets its key) and checks its name.
    const uiPod = find(objects, 'Deployment', 'kairos-ui').spec.template.spec;
    const uiEnv = Object.fromEntries((uiPod.containers[0].env as K8sObject[]).map((e) => [e.name, e.value]));
    expect(uiEnv).toMatchObject({
      TEMPORAL_TLS_CA: '/etc/temporal-ui/tls/ca.crt',
      TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
      TEMPORAL_TLS_SERVER_NAME: `kairos-frontend.${NAMESPACE}.svc.cluster.local`,
    });
    expect(uiEnv.TEMPORAL_TLS_CERT).toBeUndefined();
    expect(uiPod.volumes).toEqual([{ name: 'tls', projected: { sources: [{ secret: { name: 'kairos-frontend-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }]);
    expect(uiPod.containers[0].volumeMounts).toEqual([{ name: 'tls', mountPath: '/etc/temporal-ui/tls', readOnly: true }]);

    // NetworkPolicies: ingress only; each selects its component's pods.
    const ownPods = (components: string[]) => ({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'kairos', 'app.kubernetes.io/instance': RELEASE },
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: components }],
      },
    });
    const metricsRule = { ports: [{ port: 9090, protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] };
    for (const { name, port } of SERVICES) {
      const policy = find(objects, 'NetworkPolicy', `kairos-${name}`);
      expect(policy.spec.podSelector.matchLabels).toEqual(find(objects, 'Deployment', `kairos-${name}`).spec.selector.matchLabels);
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      const grpcFrom =
        name === 'frontend'
          ? [{ namespaceSelector: { matchLabels: { 'example.com/temporal-clients': 'true' } } }, ownPods(['frontend', 'history', 'matching', 'ui'])]
          : // Internal ports: the release's own services only (not the UI, not other namespaces).
            [ownPods(['frontend', 'history', 'matching'])];
      expect(policy.spec.ingress, name).toEqual([{ ports: [{ port, protocol: 'TCP' }], from: grpcFrom }, metricsRule]);
    }
  });

  it('single-node mode with frontend mTLS, a JWKS file from a Secret, certificate subjects and a NetworkPolicy open to any source', async () => {
    const { objects } = await chart.render([], KUBE_VERSIONS[1], [
      '--set', 'tls.frontend.enabled=true', '--set', 'tls.frontend.secretName=kairos-tls',
      '--set', 'tls.frontend.requireClientAuth=true', '--set', 'tls.frontend.clientCaSecretName=clients-ca',
      '--set', 'tls.refreshInterval=30s', '--set', 'ui.tls.clientSecretName=kairos-ui-client', '--set', 'ui.tls.caSecretName=kairos-ca',
      '--set', 'authorization.enabled=true', '--set', 'authorization.jwksSecretName=jwks', '--set', 'authorization.jwksSecretKey=keys.json',
      '--set', 'authorization.apiKeys=false', '--set-json', 'authorization.tlsSubjectPermissions={"CN=ops-bot":["temporal-system:admin"]}',
      '--set', 'networkPolicy.enabled=true',
    ]);
    const pod = find(objects, 'Deployment', 'kairos').spec.template.spec;
    const container = pod.containers[0];
    // TLS on: start-dev needs no --insecure to listen on 0.0.0.0.
    expect(container.args).not.toContain('--insecure');
    expect(container.args).toEqual(expect.arrayContaining(['--ip', '0.0.0.0']));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'metrics' });
    expect(secretFiles(pod)).toEqual({
      'kairos-tls': ['tls.crt->tls/frontend/tls.crt', 'tls.key->tls/frontend/tls.key'],
      'clients-ca': ['ca.crt->tls/frontend-client-ca/ca.crt'],
      jwks: ['keys.json->auth/jwks.json'],
    });
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config.tls).toEqual({
      refreshInterval: '30s',
      frontend: {
        server: {
          certFile: '/etc/kairos/tls/frontend/tls.crt',
          keyFile: '/etc/kairos/tls/frontend/tls.key',
          clientCaFiles: ['/etc/kairos/tls/frontend-client-ca/ca.crt'],
          requireClientAuth: true,
        },
      },
    });
    expect(config.authorization).toEqual({
      authorizer: 'default',
      claimMapper: 'default',
      jwtKeyProvider: { keySourceURIs: ['file:///etc/kairos/auth/jwks.json'], refreshInterval: '1m' },
      permissionsClaimName: 'permissions',
      apiKeys: false,
      tlsSubjectPermissions: { 'CN=ops-bot': ['temporal-system:admin'] },
    });
    // The UI presents its own client certificate.
    const ui = find(objects, 'Deployment', 'kairos-ui').spec.template.spec;
    const uiEnv = Object.fromEntries((ui.containers[0].env as K8sObject[]).map((e) => [e.name, e.value]));
    expect(uiEnv).toMatchObject({
      TEMPORAL_TLS_SERVER_NAME: `kairos.${NAMESPACE}.svc.cluster.local`,
      TEMPORAL_TLS_CERT: '/etc/temporal-ui/tls/client.crt',
      TEMPORAL_TLS_KEY: '/etc/temporal-ui/tls/client.key',
    });
    // Its CA from ui.tls.caSecretName (the frontend's Secret need not carry ca.crt).
    expect(ui.volumes[0].projected.sources.map((s: K8sObject) => s.secret.name)).toEqual(['kairos-ca', 'kairos-ui-client']);
    // frontendFrom and metricsFrom empty: both ports open to any source, every other port closed.
    const policy = find(objects, 'NetworkPolicy', 'kairos');
    expect(policy.spec.podSelector.matchLabels).toEqual(find(objects, 'Deployment', 'kairos').spec.selector.matchLabels);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 7233, protocol: 'TCP' }] }, { ports: [{ port: 9090, protocol: 'TCP' }] }]);
  });

  it('with --http-port in the frontend\'s extraArgs, its NetworkPolicy opens the HTTP API port like the gRPC port', async () => {
    for (const arg of [['--http-port', '7243'], ['--http-port=7243']]) {
      const { objects } = await chart.render([...VALUE_SETS.production], KUBE_VERSIONS[1], ['--set-json', `frontend.extraArgs=${JSON.stringify(arg)}`]);
      const [grpcRule] = find(objects, 'NetworkPolicy', 'kairos-frontend').spec.ingress;
      expect(grpcRule.ports, arg.join(' ')).toEqual([{ port: 7233, protocol: 'TCP' }, { port: 7243, protocol: 'TCP' }]);
      expect(find(objects, 'NetworkPolicy', 'kairos-history').spec.ingress[0].ports).toEqual([{ port: 7234, protocol: 'TCP' }]);
    }
  });

  it("the production config file is one the server reads: each service gets past its checks and stops only at the certificate files this machine lacks", async () => {
    const { objects } = await renderSet('production');
    const file = join(chart.workDir, 'production-config.json');
    writeFileSync(file, find(objects, 'ConfigMap', 'kairos-config').data['config.json'] as string);
    for (const [service, missing] of [['history', 'tls.internode.server'], ['matching', 'tls.internode.server'], ['frontend', 'tls.frontend.server']] as const) {
      // The store comes from $KAIROS_POSTGRES_URL in a pod; a flag here (nothing listens there: the files are checked first).
      const result = await run(process.execPath, [KAIROS_MAIN, 'server', 'start', '--service', service, '--config', file, '--postgres-url', 'postgres://kairos@127.0.0.1:1/kairos'], 30_000);
      expect(result.code, service).toBe(1);
      expect(result.stderr, service).toContain(`kairos: ${missing}: cannot read the certificate file /etc/kairos/tls/`);
    }
  });

  it("NATS with nkeys and mTLS: each service mounts only its own seed, at the one path the config names", async () => {
    const { objects } = await chart.render([...VALUE_SETS.production], KUBE_VERSIONS[1], [
      '--set', 'nats.urlSecretName=', '--set', 'nats.nkeySecretName=kairos-nats-nkeys', '--set', 'nats.tls.clientSecretName=kairos-nats-client',
    ]);
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config.natsUrl).toBe('nats://nats.messaging.svc:4222');
    expect(config.nats).toEqual({ tls: { caFile: '/etc/kairos/nats/ca.crt', certFile: '/etc/kairos/nats/tls.crt', keyFile: '/etc/kairos/nats/tls.key' }, nkeySeedFile: '/etc/kairos/nats/nkey.seed' });
    for (const { name } of SERVICES) {
      const pod = find(objects, 'Deployment', `kairos-${name}`).spec.template.spec;
      const sources = (pod.volumes as K8sObject[]).find((v) => v.name === 'config')!.projected.sources as K8sObject[];
      const seed = sources.find((s) => s.secret?.name === 'kairos-nats-nkeys');
      expect(seed?.secret.items, name).toEqual([{ key: name, path: 'nats/nkey.seed' }]);
      expect(pod.containers[0].env.find((e: K8sObject) => e.name === 'KAIROS_NATS_URL'), name).toBeUndefined();
    }
  });

  it('internode TLS alone keeps the frontend probed over gRPC; serverName can be set', async () => {
    const { objects } = await chart.render([...VALUE_SETS.default], KUBE_VERSIONS[1], [
      '--set', 'tls.internode.enabled=true', '--set', 'tls.internode.secretName=internode', '--set', 'tls.internode.serverName=kairos.internal',
    ]);
    const probes = (name: string) => find(objects, 'Deployment', `kairos-${name}`).spec.template.spec.containers[0].readinessProbe;
    expect(probes('frontend').grpc).toEqual({ port: 7233 });
    expect(probes('history').httpGet).toEqual({ path: '/health/ready', port: 'metrics' });
    expect(probes('matching').httpGet).toEqual({ path: '/health/ready', port: 'metrics' });
    const config = JSON.parse(find(objects, 'ConfigMap', 'kairos-config').data['config.json']);
    expect(config.tls.frontend).toBeUndefined();
    expect(config.tls.internode.client.serverName).toBe('kairos.internal');
    expect(ofKind(objects, 'Job').flatMap((j) => j.spec.template.spec.volumes.map((v: K8sObject) => v.name))).toEqual(['tmp']);
  });

  it('invalid values fail helm template with a message naming the problem', async () => {
    const url = ['--set', `postgres.url=${DEFAULT_URL}`];
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ['--set', 'history.replicas=3'], message: /history\.replicas=3 is for cluster mode: single-node mode runs one pod .* set postgres\.url or postgres\.existingSecret/ },
      { args: ['--set', 'singleNode.replicas=2'], message: /additional properties 'replicas' not allowed/ },
      { args: ['--set', 'singleNode.persistence.size=lots'], message: /\/singleNode\/persistence\/size/ },
      { args: ['--set-json', 'singleNode.persistence.accessModes=[]'], message: /\/singleNode\/persistence\/accessModes': minItems/ },
      { args: ['--set', 'singleNode.persistence.size=null'], message: /\/singleNode\/persistence': missing property 'size'/ },
      { args: ['--set', 'singleNode.persistence.accessModes[0]=ReadOnlyMany'], message: /\/singleNode\/persistence\/accessModes\/0/ },
      { args: ['--set', 'singleNode.port=70000'], message: /\/singleNode\/port': maximum/ },
      { args: ['--set', 'ui.enabled=yes'], message: /\/ui\/enabled/ },
      { args: [...url, '--set', 'postgres.existingSecret=db'], message: /set either postgres\.url or postgres\.existingSecret, not both/ },
      { args: [...url, '--set', 'history.replicas=-1'], message: /\/history\/replicas': minimum: got -1, want 0/ },
      { args: [...url, '--set', 'frontend.replicas=two'], message: /\/frontend\/replicas/ },
      { args: [...url, '--set', 'numHistoryShards=0'], message: /\/numHistoryShards': minimum: got 0, want 1/ },
      { args: [...url, '--set', 'logLevel=loud'], message: /\/logLevel': value must be one of/ },
      { args: [...url, '--set', 'clusterName=has spaces'], message: /\/clusterName/ },
      { args: [...url, '--set', 'nats.url=localhost'], message: /\/nats\/url/ },
      { args: [...url, '--set', 'nats.urlSecretName=a', '--set', 'nats.nkeySecretName=b'], message: /nats\.urlSecretName and nats\.nkeySecretName are two ways .* set one/ },
      { args: [...url, '--set', 'nats.tls.clientSecretName=c'], message: /nats\.tls\.clientSecretName \(mTLS to NATS\) needs nats\.tls\.caSecretName/ },
      { args: ['--set', 'postgres.url=mysql://db/kairos'], message: /\/postgres\/url/ },
      { args: [...url, '--set', 'frontnd.replicas=2'], message: /additional properties 'frontnd' not allowed/ },
      { args: [...url, '--set', 'ui.enabled=true', '--set', 'ui.port=0'], message: /\/ui\/port': minimum: got 0, want 1/ },
      { args: [...url, '--set', 'ui.service.type=External'], message: /\/ui\/service\/type': value must be one of/ },
      { args: [...url, '--set', 'ui.image.tag='], message: /\/ui\/image\/tag/ },
      { args: [...url, '--set', 'ui.publicPath=temporal/'], message: /\/ui\/publicPath/ },
      { args: [...url, '--set', 'ui.corsOrigins[0]=ops.example.com'], message: /\/ui\/corsOrigins\/0/ },
      { args: [...url, '--set', 'ui.ingress.host=Not A Host'], message: /\/ui\/ingress\/host/ },
      { args: [...url, '--set', 'ui.enabel=true'], message: /additional properties 'enabel' not allowed/ },
      {
        args: [...url, '--set', 'ui.enabled=true', '--set', 'ui.ingress.enabled=true', '--set', 'ui.ingress.tls.secretName=ui-tls'],
        message: /ui\.ingress: tls\.secretName needs ui\.ingress\.host/,
      },
      // Security settings.
      { args: ['--set', 'tls.frontend.enabled=true'], message: /tls\.frontend\.enabled needs tls\.frontend\.secretName/ },
      { args: [...url, '--set', 'tls.internode.enabled=true'], message: /tls\.internode\.enabled needs tls\.internode\.secretName/ },
      { args: ['--set', 'tls.internode.enabled=true', '--set', 'tls.internode.secretName=x'], message: /tls\.internode is for cluster mode/ },
      {
        args: ['--set', 'tls.frontend.enabled=true', '--set', 'tls.frontend.secretName=x', '--set', 'tls.frontend.requireClientAuth=true'],
        message: /give the Web UI one with ui\.tls\.clientSecretName/,
      },
      { args: ['--set', 'authorization.enabled=true', '--set', 'authorization.apiKeys=false'], message: /authorization\.enabled needs a way to authenticate callers/ },
      {
        args: ['--set', 'authorization.enabled=true', '--set-json', 'authorization.tlsSubjectPermissions={"CN=x":["default:read"]}'],
        message: /tlsSubjectPermissions .* needs tls\.frontend\.enabled and tls\.frontend\.requireClientAuth/,
      },
      { args: [...url, '--set', 'postgres.tls.caSecretName=pg-ca'], message: /postgres\.url must verify the server with it: add \?sslmode=verify-full&sslrootcert=\/etc\/kairos\/tls\/postgres\/ca\.crt/ },
      { args: [...url, '--set', 'history.service.type=LoadBalancer'], message: /\/history\/service\/type/ },
      { args: [...url, '--set', 'matching.service.type=NodePort'], message: /\/matching\/service\/type/ },
      { args: ['--set', 'tls.refreshInterval=soon'], message: /\/tls\/refreshInterval/ },
      { args: ['--set', 'authorization.jwksUrls[0]=ftp://keys'], message: /\/authorization\/jwksUrls\/0/ },
      { args: ['--set', 'authorization.permissionsRegex=(.*):(.*)'], message: /\/authorization\/permissionsRegex/ },
      { args: ['--set', 'tls.frontend.secretName=Not_A_Name'], message: /\/tls\/frontend\/secretName/ },
      { args: ['--set', 'networkPolicy.frontendFrom[0].pods=x'], message: /additional properties 'pods' not allowed/ },
      { args: ['--set', 'tls.internode.requireClientAuth=false'], message: /additional properties 'requireClientAuth' not allowed/ },
    ];
    for (const { args, message } of cases) {
      const result = await helmTemplate([], KUBE_VERSIONS[1], args);
      expect(result.code, `${args.join(' ')} rendered:\n${result.stdout.slice(0, 500)}`).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('refuses Kubernetes older than 1.27 (gRPC probes)', async () => {
    const result = await helmTemplate([...VALUE_SETS.default], '1.26.9');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('chart requires kubeVersion: >=1.27.0-0');
  });
});
