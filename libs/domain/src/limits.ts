import { setting } from '@kairos/common/settings';

/** A namespace's limits (Temporal's dynamic config names in the comments of DEFAULT_LIMITS). */
export interface Limits {
  blobSizeLimitError: number;
  blobSizeLimitWarn: number;
  historyCountLimitError: number;
  historyCountLimitWarn: number;
  historyCountSuggestContinueAsNew: number;
  historySizeLimitError: number;
  historySizeLimitWarn: number;
  historySizeSuggestContinueAsNew: number;
  pendingActivitiesLimit: number;
  /** frontend.namespaceRPS: requests per second per namespace, per frontend instance (burst ×2, frontend.namespaceBurstRatio). */
  namespaceRps: number;
  /** frontend.namespaceCount: concurrent long polls per namespace and API, per frontend instance. */
  namespaceConcurrentLongPolls: number;
}

const LIMIT_SETTINGS = {
  blobSizeLimitError: 'limits.blobSizeLimitError',
  blobSizeLimitWarn: 'limits.blobSizeLimitWarn',
  historyCountLimitError: 'limits.historyCountLimitError',
  historyCountLimitWarn: 'limits.historyCountLimitWarn',
  historyCountSuggestContinueAsNew: 'limits.historyCountSuggestContinueAsNew',
  historySizeLimitError: 'limits.historySizeLimitError',
  historySizeLimitWarn: 'limits.historySizeLimitWarn',
  historySizeSuggestContinueAsNew: 'limits.historySizeSuggestContinueAsNew',
  pendingActivitiesLimit: 'limits.pendingActivitiesLimit',
  namespaceRps: 'limits.namespaceRps',
  namespaceConcurrentLongPolls: 'limits.namespaceConcurrentLongPolls',
} as const satisfies Record<keyof Limits, string>;

/**
 * Temporal's defaults (dynamic config), each overridable per namespace in Kairos's config file (the
 * `limits.*` settings). Each is read when first used, not when this module loads: the command line
 * (`--dynamic-config-value limit.…`) overrides settings after the modules are loaded.
 */
export const DEFAULT_LIMITS: Limits = Object.defineProperties(
  {} as Limits,
  Object.fromEntries(Object.entries(LIMIT_SETTINGS).map(([key, name]) => [key, { enumerable: true, get: () => setting(name) }])),
);

/** Temporal's memo size limit (limit.memoSize.error), read when first used. */
export function memoSizeLimitError(): number {
  return setting('domain.memoSizeLimit');
}

/**
 * Limits resolved so far, by overrides object (`NO_OVERRIDES` for none). Every call of the hot path
 * asks (rate limits, history checks); settings no longer change once read, so one resolution per
 * overrides object holds for the process.
 */
const resolved = new WeakMap<object, Readonly<Limits>>();
const NO_OVERRIDES = {};

/** The namespace's limits: its overrides where set, Temporal's defaults elsewhere. */
export function resolveLimits(overrides: Partial<Limits> | undefined): Readonly<Limits> {
  const cacheKey = overrides ?? NO_OVERRIDES;
  const known = resolved.get(cacheKey);
  if (known) return known;
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(out) as Array<keyof Limits>) {
    const value = overrides?.[key];
    if (value !== undefined && value > 0) out[key] = value;
  }
  const limits = Object.freeze(out);
  resolved.set(cacheKey, limits);
  return limits;
}
