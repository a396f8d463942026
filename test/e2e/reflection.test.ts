import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useOracleServers } from '../src/harness/oracle';
import { REPO_ROOT } from '../src/harness/paths';
import { startKairosCluster } from '../src/harness/servers';

// gRPC server reflection: grpcurl (built by scripts/setup.sh) lists, describes and calls Kairos with
// no .proto files, and lists the same services as the real Temporal dev server (less each one's own
// AdminService: Temporal's internal one, Kairos's history import).
const run = promisify(execFile);
const GRPCURL = join(REPO_ROOT, '.tools/bin/grpcurl');

/** `grpcurl -plaintext [flags] ADDRESS COMMAND…`: flags are those before the address (`-d JSON`). */
async function grpcurl(address: string, command: string[], flags: string[] = []): Promise<string> {
  if (!existsSync(GRPCURL)) throw new Error(`grpcurl is not installed at ${GRPCURL}; run scripts/setup.sh`);
  try {
    const { stdout } = await run(GRPCURL, ['-plaintext', ...flags, address, ...command], { timeout: 30_000 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`grpcurl ${[...flags, ...command].join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

const KAIROS_SERVICES = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'kairos.adminservice.v1.AdminService',
  'temporal.api.operatorservice.v1.OperatorService',
  'temporal.api.workflowservice.v1.WorkflowService',
];

describe('gRPC server reflection (grpcurl)', () => {
  const servers = useOracleServers({ kairosOnly: true });

  it('lists every service, as the Temporal dev server does', async () => {
    const listed = lines(await grpcurl(servers.kairos.address, ['list']));
    expect(listed).toEqual(KAIROS_SERVICES);
    if (servers.reference) {
      const onTemporal = lines(await grpcurl(servers.reference.address, ['list']));
      expect(onTemporal.filter((s) => s !== 'temporal.server.api.adminservice.v1.AdminService')).toEqual(listed.filter((s) => s !== 'kairos.adminservice.v1.AdminService'));
    }
  });

  it('lists and describes the methods of a service, a method, a message and a field', async () => {
    const address = servers.kairos.address;
    const methods = lines(await grpcurl(address, ['list', 'temporal.api.workflowservice.v1.WorkflowService']));
    expect(methods).toContain('temporal.api.workflowservice.v1.WorkflowService.StartWorkflowExecution');
    expect(methods).toContain('temporal.api.workflowservice.v1.WorkflowService.GetSystemInfo');
    const method = await grpcurl(address, ['describe', 'temporal.api.workflowservice.v1.WorkflowService.GetSystemInfo']);
    expect(method).toContain('is a method');
    expect(method).toContain('returns ( .temporal.api.workflowservice.v1.GetSystemInfoResponse )');
    const message = await grpcurl(address, ['describe', 'temporal.api.common.v1.WorkflowExecution']);
    expect(message).toContain('is a message');
    expect(message).toContain('string run_id = 2;');
    expect(await grpcurl(address, ['describe', 'temporal.api.common.v1.WorkflowExecution.run_id'])).toContain('is a field');
    // Every service with every method and type it uses, as `describe` with no symbol asks for them all.
    const everything = await grpcurl(address, ['describe']);
    for (const service of KAIROS_SERVICES) expect(everything).toContain(`${service} is a service:`);
    if (servers.reference) {
      const onTemporal = await grpcurl(servers.reference.address, ['describe', 'temporal.api.workflowservice.v1.WorkflowService.GetSystemInfo']);
      expect(method).toBe(onTemporal);
    }
  });

  it('calls WorkflowService, OperatorService and health with JSON it encodes from the reflected descriptors', async () => {
    const address = servers.kairos.address;
    const info = JSON.parse(await grpcurl(address, ['temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo'], ['-d', '{}']));
    expect(info.capabilities.signalAndQueryHeader).toBe(true);
    const namespace = JSON.parse(await grpcurl(address, ['temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace'], ['-d', '{"namespace":"default"}']));
    expect(namespace.namespaceInfo.name).toBe('default');
    const attributes = JSON.parse(await grpcurl(address, ['temporal.api.operatorservice.v1.OperatorService/ListSearchAttributes'], ['-d', '{"namespace":"default"}']));
    expect(attributes.systemAttributes.WorkflowId).toBe('INDEXED_VALUE_TYPE_KEYWORD');
    expect(JSON.parse(await grpcurl(address, ['grpc.health.v1.Health/Check']))).toEqual({ status: 'SERVING' });
    const health = JSON.parse(await grpcurl(address, ['grpc.health.v1.Health/Check'], ['-d', '{"service":"temporal.api.workflowservice.v1.WorkflowService"}']));
    expect(health).toEqual({ status: 'SERVING' });
  });

  it('names a symbol it does not know as not found', async () => {
    await expect(grpcurl(servers.kairos.address, ['describe', 'no.such.Service'])).rejects.toThrow(/Symbol not found: no\.such\.Service/);
  });
});

describe('gRPC server reflection on a cluster frontend', () => {
  it('lists, describes and calls through the frontend process of a three-process cluster', async () => {
    const cluster = await startKairosCluster();
    try {
      expect(lines(await grpcurl(cluster.address, ['list']))).toEqual(KAIROS_SERVICES);
      expect(await grpcurl(cluster.address, ['describe', 'temporal.api.operatorservice.v1.OperatorService.ListSearchAttributes'])).toContain('is a method');
      const namespace = JSON.parse(await grpcurl(cluster.address, ['temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace'], ['-d', '{"namespace":"default"}']));
      expect(namespace.namespaceInfo.name).toBe('default');
      // History's and matching's ports run Kairos's own HTTP/2: grpcurl (Go's HTTP/2, HPACK and
      // BDP pings) checks their health, with the health service's messages given as a .proto.
      const protoDir = mkdtempSync(join(tmpdir(), 'kairos-health-proto-'));
      writeFileSync(join(protoDir, 'health.proto'), HEALTH_PROTO);
      for (const service of ['history', 'matching'] as const) {
        const health = JSON.parse(await grpcurl(cluster.addresses[service], ['grpc.health.v1.Health/Check'], ['-import-path', protoDir, '-proto', 'health.proto']));
        expect(health.status).toBe('SERVING');
      }
    } finally {
      await cluster.stop();
    }
  });
});

/** grpc.health.v1's messages and Check, as grpcurl needs them where a port serves no reflection. */
const HEALTH_PROTO = `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`;
