import { afterAll, beforeAll, expect } from 'vitest';
import { historyDifferences } from './diff';
import { normalizeHistory, type NormalizedEvent } from './normalize';
import { fetchHistory } from './sdk';
import { startKairosDev, startTemporalDev, type KairosDev, type KairosDevOptions, type TestServer } from './servers';

/** What a scenario reports: its outcome as the SDK saw it, and the workflows whose histories count. */
export interface ScenarioResult {
  /** Anything JSON-like the scenario observed (results, error shapes, poll attempts, ...). */
  outcome: unknown;
  /** Workflow ids whose (current run's) histories are compared. */
  workflowIds: string[];
}

/**
 * A scenario runs against one server address. Every id it makes (workflow ids, task queues) must
 * be derived from `ids.suffix`, which is the same on both servers, so the histories line up.
 */
export type Scenario = (address: string, ids: { suffix: string }) => Promise<ScenarioResult>;

export interface ServerRun {
  outcome: unknown;
  histories: Record<string, NormalizedEvent[]>;
}

/**
 * KAIROS_ORACLE=off is the only way to run without the real Temporal dev server: scenarios then
 * run on Kairos alone, with their own assertions but no comparison. Any other value (or none)
 * means the oracle is on, and a Temporal dev server that cannot start is a test failure.
 */
export function oracleEnabled(): boolean {
  return (process.env.KAIROS_ORACLE ?? '').toLowerCase() !== 'off';
}

/**
 * Starts the reference server of the oracle, or returns undefined when KAIROS_ORACLE=off.
 * Never skips: a failure to start is reported as such.
 */
export async function startOracleReference(options: { namespaces?: string[] } = {}): Promise<TestServer | undefined> {
  if (!oracleEnabled()) {
    console.warn('KAIROS_ORACLE=off: scenarios run on Kairos only, without comparing with the real Temporal dev server');
    return undefined;
  }
  try {
    return await startTemporalDev({ namespaces: options.namespaces });
  } catch (err) {
    throw new Error(
      `the differential oracle needs the real Temporal dev server and it did not start ` +
        `(install it with scripts/setup.sh; set KAIROS_ORACLE=off to run without the oracle): ${(err as Error).message}`,
    );
  }
}

async function runOn(server: TestServer, scenario: Scenario, suffix: string): Promise<ServerRun> {
  const result = await scenario(server.address, { suffix });
  const histories: Record<string, NormalizedEvent[]> = {};
  for (const id of result.workflowIds) histories[id] = normalizeHistory(await fetchHistory(server.address, id));
  return { outcome: result.outcome, histories };
}

/**
 * The differential oracle: runs the scenario against Kairos and against the real Temporal dev
 * server with the same ids, and requires the same outcome and the same normalized histories
 * (test/oracle/MASKING.md). Returns Kairos's run so the caller can add its own assertions.
 * `reference` is undefined only when KAIROS_ORACLE=off.
 */
export async function compareAcrossServers(kairos: TestServer, reference: TestServer | undefined, scenario: Scenario): Promise<ServerRun> {
  if (!reference && oracleEnabled()) {
    throw new Error('compareAcrossServers: no Temporal dev server to compare with (start it with startOracleReference())');
  }
  const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const onKairos = await runOn(kairos, scenario, suffix);
  if (!reference) return onKairos;
  const onTemporal = await runOn(reference, scenario, suffix);

  expect(onKairos.outcome, 'scenario outcome: Kairos (received) vs Temporal (expected)').toEqual(onTemporal.outcome);
  expect(Object.keys(onKairos.histories).sort(), 'workflow ids').toEqual(Object.keys(onTemporal.histories).sort());
  for (const id of Object.keys(onTemporal.histories)) {
    const differences = historyDifferences(onKairos.histories[id]!, onTemporal.histories[id]!);
    expect(
      onKairos.histories[id],
      `normalized history of ${id}: Kairos (received) vs Temporal (expected); first differences:\n  ${differences.join('\n  ')}\n`,
    ).toEqual(onTemporal.histories[id]);
  }
  return onKairos;
}

/**
 * For a vitest `describe`: starts Kairos start-dev and the oracle's Temporal dev server before
 * the suite and stops both after it. `compare(scenario)` is compareAcrossServers on them.
 */
export function useOracleServers(kairosOptions: KairosDevOptions = {}) {
  const servers: { kairos?: KairosDev; reference?: TestServer } = {};
  beforeAll(async () => {
    const [kairos, reference] = await Promise.allSettled([startKairosDev(kairosOptions), startOracleReference({ namespaces: kairosOptions.namespaces })]);
    if (kairos.status === 'fulfilled') servers.kairos = kairos.value;
    if (reference.status === 'fulfilled') servers.reference = reference.value;
    if (kairos.status === 'rejected') throw kairos.reason;
    if (reference.status === 'rejected') throw reference.reason;
  });
  afterAll(async () => {
    await Promise.all([servers.kairos?.stop(), servers.reference?.stop()]);
  });
  return {
    get kairos(): KairosDev {
      if (!servers.kairos) throw new Error('Kairos is not running');
      return servers.kairos;
    },
    get reference(): TestServer | undefined {
      return servers.reference;
    },
    compare(scenario: Scenario): Promise<ServerRun> {
      if (!servers.kairos) throw new Error('Kairos is not running');
      return compareAcrossServers(servers.kairos, servers.reference, scenario);
    },
  };
}
