import { expect } from 'vitest';
import { normalizeHistory, type NormalizedEvent } from './normalize';
import { fetchHistory } from './sdk';
import type { TestServer } from './servers';

/** What a scenario reports: its outcome as the SDK saw it, and the workflows whose histories count. */
export interface ScenarioResult {
  outcome: unknown;
  workflowIds: string[];
}

/** A scenario runs against one server address; ids it uses come from `ids` so both runs match. */
export type Scenario = (address: string, ids: { suffix: string }) => Promise<ScenarioResult>;

export interface ServerRun {
  outcome: unknown;
  histories: Record<string, NormalizedEvent[]>;
}

async function runOn(server: TestServer, scenario: Scenario, suffix: string): Promise<ServerRun> {
  const result = await scenario(server.address, { suffix });
  const histories: Record<string, NormalizedEvent[]> = {};
  for (const id of result.workflowIds) histories[id] = normalizeHistory(await fetchHistory(server.address, id));
  return { outcome: result.outcome, histories };
}

/**
 * The differential oracle: runs the scenario against Kairos and against the real Temporal dev
 * server with the same ids, and requires the same outcome and the same normalized histories.
 */
export async function compareAcrossServers(kairos: TestServer, temporalServer: TestServer, scenario: Scenario): Promise<ServerRun> {
  const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const [onKairos, onTemporal] = [await runOn(kairos, scenario, suffix), await runOn(temporalServer, scenario, suffix)];
  expect(onKairos.outcome, 'outcome on Kairos vs Temporal').toEqual(onTemporal.outcome);
  for (const id of Object.keys(onTemporal.histories)) {
    expect(onKairos.histories[id], `normalized history of ${id}: Kairos vs Temporal`).toEqual(onTemporal.histories[id]);
  }
  return onKairos;
}
