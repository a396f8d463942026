import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import { durationToMs } from '@kairos/domain';
import type { HistoryClient } from '@kairos/cluster';
import type { ExecutionStore, NamespaceStore } from '@kairos/persistence/store';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import { Status } from 'nice-grpc-common';

/** Runs deleted per namespace per pass, so one big namespace does not hold up the others. */
const RUNS_PER_PASS = 200;
/** The shard whose owner reclaims: exactly one live history instance at a time. */
const RECLAIMING_SHARD = 1;

export interface NamespaceReclaimerDeps {
  store: NamespaceStore & Pick<ExecutionStore, 'listRunKeys'>;
  /** History's own client: each run is deleted by its shard's owner (fenced there). */
  history: () => HistoryClient;
  ownsShard: (shardId: number) => boolean;
  logger: Logger;
}

/** What a pass does with one deleted namespace, given the time and whether runs are left. */
export type ReclaimStep = 'wait for caches' | 'delete runs' | 'note runs gone' | 'wait for delay' | 'delete namespace';

/**
 * The next step for a deleted namespace. Its runs are deleted only once every namespace cache has
 * seen the new name (new runs could still start under the old one before); the namespace record
 * goes once no run is left and the delete delay since then has passed.
 */
export function reclaimStep(record: NamespaceRecord, runsLeft: boolean, now: number, cacheTtlMs: number): ReclaimStep {
  const deletion = record.deletion!;
  if (now < (deletion.requestedTime?.getTime() ?? 0) + cacheTtlMs) return 'wait for caches';
  if (runsLeft) return 'delete runs';
  if (!deletion.executionsGoneTime) return 'note runs gone';
  return now >= deletion.executionsGoneTime.getTime() + durationToMs(deletion.deleteDelay) ? 'delete namespace' : 'wait for delay';
}

/**
 * DeleteNamespace's background half, as Temporal's reclaim-resources workflow does it: the history
 * instance holding shard 1 finds namespaces in state Deleted, deletes their runs (open ones are
 * terminated first) and then the namespace. Everything it needs is in the store (the record
 * carries the deletion), so a crash or a move of shard 1 just lets the next pass carry on.
 */
export class NamespaceReclaimer {
  private timer: NodeJS.Timeout | undefined;
  private passing = false;

  constructor(private readonly deps: NamespaceReclaimerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), setting('history.namespaceReclaimInterval'));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over every deleted namespace; errors are logged and the next pass tries again. */
  async pass(): Promise<void> {
    if (this.passing || !this.deps.ownsShard(RECLAIMING_SHARD)) return;
    this.passing = true;
    try {
      const deleted = (await this.deps.store.listNamespaces()).filter((r) => r.info?.state === NamespaceState.NAMESPACE_STATE_DELETED && r.deletion);
      for (const record of deleted) await this.reclaim(record);
    } catch (err) {
      this.deps.logger.warn('deleted namespaces not reclaimed this pass', { error: String(err) });
    } finally {
      this.passing = false;
    }
  }

  private async reclaim(record: NamespaceRecord): Promise<void> {
    const { id, name } = record.info!;
    const runs = await this.deps.store.listRunKeys(id, RUNS_PER_PASS);
    const now = Date.now();
    switch (reclaimStep(record, runs.length > 0, now, setting('cluster.namespaceCacheTtl'))) {
      case 'delete runs':
        for (const run of runs) {
          await this.deps
            .history()
            .deleteWorkflowExecution({ namespaceId: id, request: { namespace: name, workflowExecution: { workflowId: run.workflowId, runId: run.runId } } })
            .catch((err: unknown) => {
              // Gone already (ApiError in one process, ClientError over gRPC: both carry the code).
              if ((err as { code?: unknown }).code !== Status.NOT_FOUND) throw err;
            });
        }
        return;
      case 'note runs gone':
        await this.deps.store.updateNamespace(name, (r) => ({ ...r, deletion: { ...r.deletion!, executionsGoneTime: new Date(now) } }));
        return;
      case 'delete namespace':
        await this.deps.store.deleteNamespace(id);
        this.deps.logger.info('deleted namespace removed', { namespace: name, namespaceId: id, originalName: record.deletion!.originalName });
        return;
      default:
        return;
    }
  }
}
