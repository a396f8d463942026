import type { Limits } from '@kairos/domain';
import type { RunTransaction } from './runTransaction';

/** The history's size before a transaction: events and encoded bytes. */
export interface HistorySize {
  events: number;
  bytes: number;
}

/**
 * Temporal's hard history limits, checked on the history as this transaction would leave it; the
 * reason the run is terminated with, or undefined. (A run this transaction closes is not held back.)
 */
export function historyLimitExceeded(run: RunTransaction, bytesBefore: number, limits: Limits): string | undefined {
  if (!run.isOpen) return undefined;
  const bytes = bytesBefore + run.newEventBytes();
  if (bytes > limits.historySizeLimitError) return 'Workflow history size exceeds limit.';
  if (run.state.nextEventId - 1 > limits.historyCountLimitError) return 'Workflow history count exceeds limit.';
  return undefined;
}

/**
 * The warnings worth logging when this transaction takes the history across a warning threshold
 * (each is crossed once), so users hear early.
 */
export function historyGrowthWarnings(before: HistorySize, run: RunTransaction, limits: Limits): Array<{ message: string; fields: Record<string, unknown> }> {
  const events = run.state.nextEventId - 1;
  const bytes = before.bytes + run.newEventBytes();
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  if (before.events <= limits.historyCountLimitWarn && events > limits.historyCountLimitWarn) {
    warnings.push({ message: 'history event count exceeds warn limit', fields: { events, bytes, warnLimit: limits.historyCountLimitWarn, errorLimit: limits.historyCountLimitError } });
  }
  if (before.bytes <= limits.historySizeLimitWarn && bytes > limits.historySizeLimitWarn) {
    warnings.push({ message: 'history size exceeds warn limit', fields: { events, bytes, warnLimit: limits.historySizeLimitWarn, errorLimit: limits.historySizeLimitError } });
  }
  return warnings;
}
