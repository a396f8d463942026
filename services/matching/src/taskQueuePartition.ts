import { taskQueueMoved } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { Logger } from '@kairos/common/logger';
import { TaskQueueOwnershipLostError } from '@kairos/persistence/errors';
import type { StoredTaskQueueTask, TaskQueueKind, TaskQueueStore } from '@kairos/persistence/store';
import type { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { DispatchRateLimiter } from './dispatchRateLimiter';
import { effectiveRateLimit, type EffectiveRateLimit } from './taskQueueConfig';

/** Fairness keys whose rate limiter a queue keeps at once (Temporal's per-key cache is bounded too). */
const MAX_KEY_LIMITERS = 10_000;

/** What happened when a task was offered to a poller. */
export type DispatchResult<R> =
  | { kind: 'started'; response: R }
  /** History says the task is stale (already started, run closed, ...): drop it. */
  | { kind: 'invalid' }
  /** History could not be reached: keep the task. */
  | { kind: 'retry' };

interface WaitingPoller<R> {
  resolve: (response: R | undefined) => void;
  /** The polling worker's instance key (set by SDKs that support poll cancellation on shutdown). */
  workerInstanceKey?: string;
  dispatch: (task: TaskQueueTask) => Promise<DispatchResult<R>>;
  /** True while a task is being recorded for this poller: its timeout must wait for the outcome. */
  claimed?: boolean;
  /**
   * The poll's wait ended while it was claimed (its time ran out, its caller left, its worker
   * shut down): if the task does not go to it, it is answered empty instead of waiting again.
   */
  expired?: boolean;
}

/**
 * One task queue (one kind, one name). Tasks go straight to a waiting poller when there is one
 * (sync match); otherwise they are persisted to the backlog and handed out in order as polls
 * arrive. Each backlog task is deleted only after history recorded it started (or rejected it),
 * so a crash at any point re-delivers instead of losing it.
 *
 * The partition holds its queue in the store by a fencing number taken on first use; every
 * backlog write carries it. When another matching instance takes the queue over, this partition's
 * next write fails: it closes, answers its waiting polls empty (their next poll is routed to the
 * new owner) and adds answer UNAVAILABLE (the caller retries at the new owner).
 */
export class TaskQueuePartition<R> {
  private readonly pollers: Array<WaitingPoller<R>> = [];
  /** Pollers taken out of `pollers` while a task is being recorded for them. */
  private readonly claimed = new Set<WaitingPoller<R>>();
  private readonly backlog: StoredTaskQueueTask[] = [];
  private readLevel = 0;
  /**
   * False once a read found the store's backlog exhausted and nothing can have been added since:
   * polls on an empty queue then skip the store read. Set again by every write of this partition,
   * by another instance's hint and by the periodic re-check (a lost hint).
   */
  private storeMayHoldMore = true;
  /** Counts the events that set `storeMayHoldMore`; a read that overlapped one cannot clear it. */
  private backlogGeneration = 0;
  private loading: Promise<void> | undefined;
  private draining = false;
  private recheckTimer: NodeJS.Timeout | undefined;
  private range: Promise<number> | undefined;
  private closed = false;
  /** Query tasks waiting for a poller: in memory only, as in Temporal (the querying caller waits). */
  private readonly queries: Array<{ response: R; resolve: (delivered: boolean) => void }> = [];
  /** UpdateTaskQueueConfig's configuration of this queue's type, read from the store on first use. */
  private config: TaskQueueConfig | undefined;
  private configRead: Promise<void> | undefined;
  /** Set once the configuration is known: later dispatches do not wait a turn for it. */
  private configKnown = false;
  /** The dispatch rate the last activity poll asked for (maxTasksPerSecond), if any. */
  private workerRate: number | undefined;
  /** Undefined while no rate applies. */
  private limiter: DispatchRateLimiter | undefined;
  /** Per fairness key, the limiter of the queue's per-key rate scaled by the key's weight. */
  private readonly keyLimiters = new Map<string, DispatchRateLimiter>();
  /** A drain waiting for the rate limiters' next token, and when it runs. */
  private limitTimer: NodeJS.Timeout | undefined;
  private limitTimerAt = 0;

  constructor(
    private readonly store: TaskQueueStore,
    private readonly namespaceId: string,
    private readonly name: string,
    private readonly kind: TaskQueueKind,
    private readonly logger: Logger,
    /** This matching instance's id (the owner recorded with the queue). */
    private readonly owner: string,
    /** Called once when the partition closes (ownership lost or released). */
    private readonly onClosed: () => void = () => undefined,
  ) {}

  /** The TaskQueueType number this queue's configuration is kept under. */
  private get taskQueueType(): number {
    return this.kind === 'activity' ? 2 : 1;
  }

  /** Reads the queue's configuration once, before the first dispatch (a failed read is tried again next time). */
  private ensureConfig(): Promise<void> {
    this.configRead ??= this.store.getTaskQueueConfig(this.namespaceId, this.name, this.taskQueueType).then(
      (config) => {
        // An update applied meanwhile is newer than what was read.
        if (!this.configKnown) this.applyRateLimit(config);
        this.configKnown = true;
      },
      (err: unknown) => {
        this.configRead = undefined;
        this.logger.warn('reading the task queue configuration failed; dispatching without its rate limit for now', { taskQueue: this.name, error: String(err) });
      },
    );
    return this.configRead;
  }

  /** A configuration just stored by UpdateTaskQueueConfig: its rate applies at once. */
  setConfig(config: TaskQueueConfig): void {
    this.configRead = Promise.resolve();
    this.configKnown = true;
    this.applyRateLimit(config);
    void this.drain();
  }

  /** The rate an activity poll asked for (Temporal applies the latest poller's). */
  setWorkerRate(ratePerSecond: number | undefined): void {
    if (ratePerSecond === this.workerRate) return;
    this.workerRate = ratePerSecond;
    this.applyRateLimit(this.config);
  }

  /** The rate the last activity poll asked for, if any. */
  get requestedWorkerRate(): number | undefined {
    return this.workerRate;
  }

  /** The rate dispatch follows now and where it comes from. */
  get rateLimit(): EffectiveRateLimit {
    return effectiveRateLimit(this.config, this.workerRate);
  }

  private applyRateLimit(config: TaskQueueConfig | undefined): void {
    this.config = config;
    const rate = this.rateLimit.requestsPerSecond;
    if (rate === undefined) this.limiter = undefined;
    else if (this.limiter?.ratePerSecond !== rate) this.limiter = new DispatchRateLimiter(rate);
    if (!config?.fairnessKeysRateLimitDefault?.rateLimit) this.keyLimiters.clear();
  }

  /**
   * The limiter of a task's fairness key when the queue has a per-key rate: that rate times the
   * key's weight (the queue's override, else the task's own, else 1), as Temporal scales it.
   */
  private keyLimiter(task: TaskQueueTask): DispatchRateLimiter | undefined {
    const perKey = this.config?.fairnessKeysRateLimitDefault?.rateLimit;
    // A per-key rate of 0 limits nothing in Temporal (unlike a queue rate of 0, which stops dispatch).
    if (!perKey || perKey.requestsPerSecond <= 1e-9) return undefined;
    const key = task.priority?.fairnessKey ?? '';
    const weight = this.config!.fairnessWeightOverrides[key] ?? (task.priority?.fairnessWeight || 1);
    const rate = perKey.requestsPerSecond * weight;
    let limiter = this.keyLimiters.get(key);
    if (limiter?.ratePerSecond !== rate) {
      limiter = new DispatchRateLimiter(rate);
      // Bounded like Temporal's per-key cache: the key used longest ago goes first.
      this.keyLimiters.delete(key);
      if (this.keyLimiters.size >= MAX_KEY_LIMITERS) this.keyLimiters.delete(this.keyLimiters.keys().next().value!);
      this.keyLimiters.set(key, limiter);
    }
    return limiter;
  }

  /** Milliseconds until the rate limits let `task` go (0: now); Infinity under a rate of 0. */
  private waitFor(task: TaskQueueTask, now: number): number {
    return Math.max(this.limiter?.msUntilNextToken(now) ?? 0, this.keyLimiter(task)?.msUntilNextToken(now) ?? 0);
  }

  /**
   * Whether `task` may be handed out now; if so its tokens (queue and key) are taken, if not a
   * drain is scheduled for when it may.
   */
  private mayDispatch(task: TaskQueueTask): boolean {
    const now = Date.now();
    const wait = this.waitFor(task, now);
    if (wait > 0) {
      this.drainIn(wait);
      return false;
    }
    this.limiter?.tryTake(now);
    this.keyLimiter(task)?.tryTake(now);
    return true;
  }

  /** Runs a drain in `ms` (the sooner of two requests wins); nothing under a rate of 0. */
  private drainIn(ms: number): void {
    if (!Number.isFinite(ms) || this.closed) return;
    const at = Date.now() + Math.max(1, ms);
    if (this.limitTimer && this.limitTimerAt <= at) return;
    if (this.limitTimer) clearTimeout(this.limitTimer);
    this.limitTimerAt = at;
    this.limitTimer = setTimeout(() => {
      this.limitTimer = undefined;
      void this.drain();
    }, Math.max(1, ms));
    this.limitTimer.unref();
  }

  /**
   * Takes the first loaded backlog task the rate limits let go now, with its tokens: with
   * per-key limits a limited key's tasks do not hold back other keys' (Temporal's matcher skips
   * them too). 'limited' when tasks wait only for tokens; undefined when the backlog is empty.
   */
  private async takeDispatchableTask(): Promise<StoredTaskQueueTask | 'limited' | undefined> {
    if (this.backlog.length === 0) await this.loadBacklog();
    const perKey = (this.config?.fairnessKeysRateLimitDefault?.rateLimit?.requestsPerSecond ?? 0) > 1e-9;
    for (let i = 0; i < this.backlog.length; i++) {
      if (this.mayDispatch(this.backlog[i]!.task)) return this.backlog.splice(i, 1)[0];
      // Without per-key limits every task waits for the same queue token.
      if (!perKey) break;
    }
    return this.backlog.length === 0 ? undefined : 'limited';
  }

  /** The queue's fencing number, acquired on first use. */
  private rangeId(): Promise<number> {
    this.range ??= this.store.acquireTaskQueue(this.namespaceId, this.name, this.kind, this.owner).catch((err: unknown) => {
      this.range = undefined;
      throw err;
    });
    return this.range;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops serving: waiting polls are answered empty and come back to whichever instance owns the queue now. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    if (this.limitTimer) clearTimeout(this.limitTimer);
    this.limitTimer = undefined;
    for (const poller of this.pollers.splice(0)) poller.resolve(undefined);
    this.onClosed();
  }

  private moved(err: unknown): never {
    if (err instanceof TaskQueueOwnershipLostError) {
      this.logger.info('task queue taken over by another matching instance', { taskQueue: this.name, kind: this.kind });
      this.close();
      throw taskQueueMoved(this.name);
    }
    throw err;
  }

  /**
   * Deletes a task history has answered for (started or stale). Never throws: history's answer
   * stands, so a started task still goes to its poller. A row left behind (the queue moved to
   * another instance, or the store failed) is re-delivered later and history rejects it then.
   */
  private async deleteTask(taskId: number): Promise<void> {
    try {
      await this.store.deleteTaskQueueTask(this.namespaceId, this.name, this.kind, taskId, await this.rangeId());
    } catch (err) {
      if (err instanceof TaskQueueOwnershipLostError) this.close();
      else this.logger.warn('deleting a handed-out task failed; it will be re-delivered and dropped', { taskQueue: this.name, kind: this.kind, taskId, error: String(err) });
    }
  }

  /** When a poll last arrived (ms since epoch); 0 if never. */
  lastPollAt = 0;
  /** Who polled lately: identity → last poll time and the rate the worker asked for. */
  private readonly pollerHistory = new Map<string, { lastAccessTime: number; ratePerSecond: number }>();

  /** Remembers a poller for DescribeTaskQueue (Temporal shows those of the last five minutes). */
  recordPoller(identity: string, ratePerSecond: number): void {
    this.pollerHistory.set(identity, { lastAccessTime: Date.now(), ratePerSecond });
  }

  /** The pollers seen since `since` (ms since epoch), most recent first; older ones are forgotten. */
  pollersSince(since: number): Array<{ identity: string; lastAccessTime: Date; ratePerSecond: number }> {
    const out = [];
    for (const [identity, seen] of this.pollerHistory) {
      if (seen.lastAccessTime < since) this.pollerHistory.delete(identity);
      else out.push({ identity, lastAccessTime: new Date(seen.lastAccessTime), ratePerSecond: seen.ratePerSecond });
    }
    return out.sort((a, b) => b.lastAccessTime.getTime() - a.lastAccessTime.getTime());
  }

  /** Backlog tasks read from the store and not yet handed out. */
  get loadedBacklog(): number {
    return this.backlog.length;
  }

  /** When the oldest loaded backlog task was created (the backlog is read oldest first); undefined when empty. */
  get oldestLoadedTaskCreatedAt(): Date | undefined {
    return this.backlog[0]?.task.createTime;
  }

  get waitingPollerCount(): number {
    return this.pollers.length;
  }

  /** Whether a worker polled recently or is polling now. */
  hasPollerSince(since: number): boolean {
    return this.pollers.length > 0 || this.lastPollAt >= since;
  }

  private claimPoller(): WaitingPoller<R> | undefined {
    const poller = this.pollers.shift();
    if (poller) {
      poller.claimed = true;
      this.claimed.add(poller);
    }
    return poller;
  }

  /** A claimed poller gets its answer. */
  private answer(poller: WaitingPoller<R>, response: R): void {
    poller.claimed = false;
    this.claimed.delete(poller);
    poller.resolve(response);
  }

  /**
   * The task did not go to this poller: it waits again, or answers empty if its wait ended
   * meanwhile (time ran out, worker shut down) or the partition closed.
   */
  private returnPoller(poller: WaitingPoller<R>): void {
    poller.claimed = false;
    this.claimed.delete(poller);
    if (poller.expired || this.closed) poller.resolve(undefined);
    else this.pollers.unshift(poller);
  }

  /** Adds a task: to a waiting poller if one accepts it, else to the durable backlog. */
  async addTask(task: TaskQueueTask): Promise<'matched' | 'dropped' | 'persisted'> {
    if (!this.configKnown) await this.ensureConfig();
    // Over the dispatch rate, the task waits in the backlog like any other.
    while (this.backlog.length === 0 && this.pollers.length > 0 && this.mayDispatch(task)) {
      const poller = this.claimPoller()!;
      const result = await poller.dispatch(task);
      if (result.kind === 'started') {
        this.answer(poller, result.response);
        return 'matched';
      }
      this.returnPoller(poller);
      if (result.kind === 'invalid') return 'dropped';
      break;
    }
    if (this.closed) throw taskQueueMoved(this.name);
    await this.store.addTaskQueueTask(this.namespaceId, this.name, this.kind, task, await this.rangeId()).catch((err: unknown) => this.moved(err));
    this.backlogMayHaveGrown();
    void this.drain();
    return 'persisted';
  }

  /**
   * Hands a query task to a waiting poller, or to the next poll, until `signal` aborts. Resolves
   * true once a poller has it. Query tasks go before backlog tasks and are never persisted.
   */
  offerQuery(response: R, signal: AbortSignal): Promise<boolean> {
    const poller = this.claimPoller();
    if (poller) {
      this.answer(poller, response);
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const entry = { response, resolve };
      this.queries.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          const index = this.queries.indexOf(entry);
          if (index >= 0) {
            this.queries.splice(index, 1);
            resolve(false);
          }
        },
        { once: true },
      );
    });
  }

  /** Waits up to `waitMs` for a task; undefined when none came (an empty poll answer). */
  /**
   * `signals`: the poll ends when any of them aborts (the caller leaving, the service stopping).
   * Several signals rather than AbortSignal.any's composite: that costs more than the poll's own work.
   */
  async poll(dispatch: WaitingPoller<R>['dispatch'], waitMs: number, signals: AbortSignal | readonly AbortSignal[], workerInstanceKey = ''): Promise<R | undefined> {
    const all = Array.isArray(signals) ? (signals as readonly AbortSignal[]) : [signals as AbortSignal];
    const aborted = () => all.some((s) => s.aborted);
    this.lastPollAt = Date.now();
    // A caller that is gone must not be handed a task: history would record it started and
    // nobody would run it until its start-to-close timeout.
    if (aborted()) return undefined;
    const query = this.queries.shift();
    if (query) {
      query.resolve(true);
      return query.response;
    }
    if (!this.configKnown) await this.ensureConfig();
    while (!aborted()) {
      const stored = await this.takeDispatchableTask();
      if (!stored || stored === 'limited') break;
      const result = await dispatch(stored.task);
      if (result.kind === 'retry') {
        this.backlog.unshift(stored);
        break;
      }
      await this.deleteTask(stored.taskId);
      if (result.kind === 'started') return result.response;
    }
    if (aborted() || waitMs <= 0 || this.closed) return undefined;
    return new Promise<R | undefined>((resolve) => {
      const poller: WaitingPoller<R> = {
        dispatch,
        workerInstanceKey,
        resolve: (response) => {
          clearTimeout(timer);
          for (const signal of all) signal.removeEventListener('abort', giveUp);
          resolve(response);
        },
      };
      const giveUp = () => {
        if (poller.claimed) {
          poller.expired = true;
          return;
        }
        const index = this.pollers.indexOf(poller);
        if (index >= 0) this.pollers.splice(index, 1);
        poller.resolve(undefined);
      };
      const timer = setTimeout(giveUp, waitMs);
      for (const signal of all) signal.addEventListener('abort', giveUp);
      this.pollers.push(poller);
      this.recheckWhileWaiting();
      // A task may have reached the backlog while this poll was getting ready to wait.
      void this.drain();
    });
  }

  /**
   * Answers the waiting polls of a worker that is shutting down empty, so it stops at once
   * (Temporal's poll completion on shutdown). A poll being handed a task keeps it, and is
   * answered empty if the task does not go to it after all. Returns how many were answered now.
   */
  cancelPolls(workerInstanceKey: string): number {
    if (!workerInstanceKey) return 0;
    for (const poller of this.claimed) {
      if (poller.workerInstanceKey === workerInstanceKey) poller.expired = true;
    }
    const cancelled = this.pollers.filter((p) => p.workerInstanceKey === workerInstanceKey);
    for (const poller of cancelled) {
      this.pollers.splice(this.pollers.indexOf(poller), 1);
      poller.resolve(undefined);
    }
    return cancelled.length;
  }

  /** Removes and returns every task of the backlog (a released sticky queue hands them back). */
  async takeAll(): Promise<TaskQueueTask[]> {
    const out: TaskQueueTask[] = [];
    for (;;) {
      const stored = await this.takeBacklogTask();
      if (!stored) return out;
      await this.deleteTask(stored.taskId);
      out.push(stored.task);
    }
  }

  /** While polls wait, re-reads the backlog: bounds the delay when another instance's "task added" hint is lost. */
  private recheckWhileWaiting(): void {
    if (this.recheckTimer) return;
    this.recheckTimer = setInterval(() => {
      if (this.pollers.length === 0) {
        clearInterval(this.recheckTimer);
        this.recheckTimer = undefined;
        return;
      }
      this.backlogMayHaveGrown();
      void this.drain();
    }, setting('matching.backlogRecheck'));
    this.recheckTimer.unref();
  }

  /** Another instance (or a restart) may have added tasks: look at the store again. */
  notifyBacklogChanged(): void {
    this.backlogMayHaveGrown();
    void this.drain();
  }

  /** Hands backlog tasks to waiting pollers until one of the two runs out. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      if (!this.configKnown) await this.ensureConfig();
      while (this.pollers.length > 0) {
        const stored = await this.takeDispatchableTask();
        if (!stored || stored === 'limited') return;
        const poller = this.claimPoller();
        if (!poller) {
          this.backlog.unshift(stored);
          return;
        }
        const result = await poller.dispatch(stored.task);
        if (result.kind === 'retry') {
          this.backlog.unshift(stored);
          this.returnPoller(poller);
          return;
        }
        await this.deleteTask(stored.taskId);
        if (result.kind === 'started') this.answer(poller, result.response);
        else this.returnPoller(poller);
      }
    } catch (err) {
      this.logger.error('task queue drain failed', { taskQueue: this.name, error: String(err) });
    } finally {
      this.draining = false;
    }
  }

  private async takeBacklogTask(): Promise<StoredTaskQueueTask | undefined> {
    if (this.backlog.length === 0) await this.loadBacklog();
    return this.backlog.shift();
  }

  private backlogMayHaveGrown(): void {
    this.storeMayHoldMore = true;
    this.backlogGeneration++;
  }

  private async loadBacklog(): Promise<void> {
    if (!this.loading && this.storeMayHoldMore) {
      this.loading = (async () => {
        const generation = this.backlogGeneration;
        const limit = setting('matching.backlogReadBatch');
        const batch = await this.store.getTaskQueueTasks(this.namespaceId, this.name, this.kind, this.readLevel, limit);
        for (const task of batch) {
          this.backlog.push(task);
          this.readLevel = Math.max(this.readLevel, task.taskId);
        }
        if (batch.length < limit && generation === this.backlogGeneration) this.storeMayHoldMore = false;
      })().finally(() => (this.loading = undefined));
    }
    await this.loading;
  }
}
