import { readFileSync } from 'node:fs';
import { ClientError, createChannel, createClient, Status } from 'nice-grpc';
import { historyEventFromJson } from '@kairos/frontend/history-json';
import { AdminServiceDefinition } from '@kairos/proto/kairos/adminservice/v1/service';
import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { ConfigError } from './config/configError';
import type { KairosCommand } from './config/types';

type ImportCommand = Extract<KairosCommand, { kind: 'workflow-import' }>;

/**
 * `kairos workflow import FILE`: reads a history exported with `temporal workflow show -o json`
 * (proto3 JSON, `{"events": [...]}`), event by event so that a malformed one is named, and asks
 * the server's AdminService to keep it as a closed run. Answers what to print; a refusal is a
 * ConfigError with the server's words.
 */
export async function runImportCommand(command: ImportCommand): Promise<string> {
  const events = readHistoryFile(command.file);
  const channel = createChannel(command.address);
  try {
    const admin = createClient(AdminServiceDefinition, channel);
    const imported = await admin.importWorkflowExecution({ namespace: command.namespace, workflowId: command.workflowId ?? '', history: { events } });
    return `Imported ${events.length} events of workflow ${imported.workflowId} as run ${imported.runId} in namespace ${command.namespace}\n`;
  } catch (err) {
    if (err instanceof ClientError) throw new ConfigError([`import refused (${Status[err.code]}): ${err.details}`]);
    throw err;
  } finally {
    channel.close();
  }
}

/** The file's events; a problem is named by the event it is in (or the last whole one before it). */
export function readHistoryFile(file: string): HistoryEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${file} is not valid JSON (${(err as Error).message}); ${lastWholeEvent(text, err as Error)}`]);
  }
  const list = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(list)) throw new ConfigError([`${file} has no "events" list: export a history with \`temporal workflow show -o json\``]);
  return list.map((event: unknown, index) => {
    try {
      return historyEventFromJson(event);
    } catch (err) {
      const id = (event as { eventId?: unknown } | null)?.eventId;
      throw new ConfigError([`${file}: history event ${id ?? `at position ${index + 1}`} is not a HistoryEvent: ${(err as Error).message}`]);
    }
  });
}

/** For a file cut short: the id of the last event before the place JSON.parse gave up. */
function lastWholeEvent(text: string, err: Error): string {
  const position = Number(/position (\d+)/.exec(err.message)?.[1] ?? text.length);
  const ids = [...text.slice(0, position).matchAll(/"eventId"\s*:\s*"?(\d+)/g)].map((m) => m[1]);
  return ids.length > 0 ? `the problem is in or after history event ${ids[ids.length - 1]} (is the file cut short?)` : 'no history event could be read';
}
