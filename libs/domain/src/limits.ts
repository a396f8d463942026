const MIB = 1024 * 1024;
const KIB = 1024;

/** Temporal's defaults (dynamic config), each overridable per namespace in Kairos's config file. */
export const DEFAULT_LIMITS = {
  blobSizeLimitError: 2 * MIB,
  blobSizeLimitWarn: 512 * KIB,
  historyCountLimitError: 51_200,
  historyCountLimitWarn: 10_240,
  historyCountSuggestContinueAsNew: 4_096,
  historySizeLimitError: 50 * MIB,
  historySizeLimitWarn: 10 * MIB,
  historySizeSuggestContinueAsNew: 4 * MIB,
  pendingActivitiesLimit: 2_000,
  /** frontend.namespaceRPS: requests per second per namespace, per frontend instance (burst ×2, frontend.namespaceBurstRatio). */
  namespaceRps: 2_400,
  /** frontend.namespaceCount: concurrent long polls per namespace and API, per frontend instance. */
  namespaceConcurrentLongPolls: 1_200,
};

export type Limits = typeof DEFAULT_LIMITS;

/** Temporal's memo size limit (not configurable in Kairos yet). */
export const MEMO_SIZE_LIMIT_ERROR = 2 * MIB;

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
