import { setting } from '@kairos/common/settings';

/** Temporal's defaults (dynamic config), each overridable per namespace in Kairos's config file (the `limits.*` settings). */
export const DEFAULT_LIMITS = {
  blobSizeLimitError: setting('limits.blobSizeLimitError'),
  blobSizeLimitWarn: setting('limits.blobSizeLimitWarn'),
  historyCountLimitError: setting('limits.historyCountLimitError'),
  historyCountLimitWarn: setting('limits.historyCountLimitWarn'),
  historyCountSuggestContinueAsNew: setting('limits.historyCountSuggestContinueAsNew'),
  historySizeLimitError: setting('limits.historySizeLimitError'),
  historySizeLimitWarn: setting('limits.historySizeLimitWarn'),
  historySizeSuggestContinueAsNew: setting('limits.historySizeSuggestContinueAsNew'),
  pendingActivitiesLimit: setting('limits.pendingActivitiesLimit'),
  /** frontend.namespaceRPS: requests per second per namespace, per frontend instance (burst ×2, frontend.namespaceBurstRatio). */
  namespaceRps: setting('limits.namespaceRps'),
  /** frontend.namespaceCount: concurrent long polls per namespace and API, per frontend instance. */
  namespaceConcurrentLongPolls: setting('limits.namespaceConcurrentLongPolls'),
};

export type Limits = typeof DEFAULT_LIMITS;

/** Temporal's memo size limit (not configurable in Kairos yet). */
export const MEMO_SIZE_LIMIT_ERROR = setting('domain.memoSizeLimit');

/** The namespace's limits: its overrides where set, Temporal's defaults elsewhere. */
export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  const out = { ...DEFAULT_LIMITS };
  if (!overrides) return out;
  for (const key of Object.keys(out) as Array<keyof Limits>) {
    const value = overrides[key];
    if (value !== undefined && value > 0) out[key] = value;
  }
  return out;
}
