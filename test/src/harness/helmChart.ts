import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

// The Helm chart as the deploy suites see it: the tools scripts/setup-deploy-tools.sh installs into
// .tools/, `helm template` and the rendered objects parsed to JSON by Helm itself.

export const CHART = join(REPO_ROOT, 'deploy/helm/kairos');
export const TOOLS = join(REPO_ROOT, '.tools');
export const HELM = join(TOOLS, 'bin/helm');
export const KUBECONFORM = join(TOOLS, 'bin/kubeconform');
export const HADOLINT = join(TOOLS, 'bin/hadolint');
/** Chart.yaml kubeVersion's floor and the newest Kubernetes the schema package knows. */
export const KUBE_VERSIONS = ['1.27.0', '1.37.0'] as const;
/** Installing the tools the first time builds helm and kubeconform from source with Go. */
export const DEPLOY_TOOLS_TIMEOUT_MS = 15 * 60_000;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // A non-zero exit has its code; a command that could not run or timed out counts as 1.
      const exited = typeof error?.code === 'number';
      const code = !error ? 0 : exited ? (error.code as number) : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && !exited ? `\n${error.message}` : '') });
    });
  });
}

export function explain(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Installs helm, kubeconform, hadolint and the Kubernetes JSON schemas when missing; a tool that cannot be installed throws. */
export async function installDeployTools(): Promise<void> {
  const setup = await run('bash', ['scripts/setup-deploy-tools.sh'], DEPLOY_TOOLS_TIMEOUT_MS - 30_000);
  if (setup.code !== 0) throw new Error(`scripts/setup-deploy-tools.sh could not install the deploy tools:\n${explain(setup)}`);
}

// A Kubernetes object as parsed from the rendered YAML; the tests read it loosely.
export type K8sObject = Record<string, any>;

/**
 * `helm template` of the chart as release `release` in `namespace`, and the rendered YAML read
 * back without a YAML package: a throw-away chart whose one template reads the documents with
 * Helm's own fromYaml and prints them as JSON.
 */
export class ChartRenderer {
  private readonly work = mkdtempSync(join(tmpdir(), 'kairos-chart-'));

  constructor(
    readonly release: string,
    readonly namespace: string,
  ) {
    const chart = join(this.work, 'yaml2json');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    mkdirSync(join(chart, 'files'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: yaml2json\nversion: 0.1.0\n');
    writeFileSync(
      join(chart, 'templates/out.yaml'),
      [
        '{{- $docs := list -}}',
        '{{- range regexSplit "(?m)^---[ \\t]*$" (.Files.Get "files/in.yaml") -1 -}}',
        '{{- $doc := fromYaml . -}}',
        '{{- if hasKey $doc "Error" }}{{ fail (printf "not YAML: %s" (get $doc "Error")) }}{{ end -}}',
        '{{- if $doc }}{{ $docs = append $docs $doc }}{{ end -}}',
        '{{- end -}}',
        '{{ dict "items" $docs | toJson }}',
        '',
      ].join('\n'),
    );
  }

  /** A scratch directory removed by close(). */
  get workDir(): string {
    return this.work;
  }

  template(values: readonly string[], kubeVersion: string, extra: string[] = []): Promise<RunResult> {
    const args = ['template', this.release, CHART, '--namespace', this.namespace, '--kube-version', kubeVersion];
    for (const file of values) args.push('--values', file);
    return run(HELM, [...args, ...extra]);
  }

  async parse(rendered: string): Promise<K8sObject[]> {
    const chart = join(this.work, 'yaml2json');
    writeFileSync(join(chart, 'files/in.yaml'), rendered);
    const result = await run(HELM, ['template', 'yaml2json', chart]);
    if (result.code !== 0) throw new Error(`yaml2json failed: ${explain(result)}`);
    const json = result.stdout.split('\n').find((line) => line.startsWith('{'));
    if (!json) throw new Error(`yaml2json printed no JSON:\n${result.stdout}`);
    return (JSON.parse(json) as { items: K8sObject[] }).items;
  }

  /** helm template that must succeed, parsed. */
  async render(values: readonly string[], kubeVersion: string = KUBE_VERSIONS[1], extra: string[] = []): Promise<{ text: string; objects: K8sObject[] }> {
    const result = await this.template(values, kubeVersion, extra);
    if (result.code !== 0) throw new Error(`helm template ${[...values, ...extra].join(' ')} failed: ${explain(result)}`);
    return { text: result.stdout, objects: await this.parse(result.stdout) };
  }

  close(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found;
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** "Kind/name" of every object, sorted: the shape of a rendering. */
export function inventory(objects: K8sObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort();
}
