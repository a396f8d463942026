import { settingGroup, type SettingSpec } from './setting';

const MIB = 1024 * 1024;
const KIB = 1024;

/** A Temporal dynamic-config limit that the config file can override per namespace. */
function namespaceLimit(spec: Omit<SettingSpec, 'configuredBy' | 'readBy'> & { readBy?: SettingSpec['readBy'] }, key: string): SettingSpec {
  return { readBy: ['history'], ...spec, configuredBy: `config namespaceLimits.<namespace>.${key}` };
}

/**
 * Temporal's per-namespace limits (its dynamic-config defaults), each overridable per namespace in
 * the config file (`namespaceLimits`). The keys are the config file's, in the order its errors list them.
 */
export const LIMIT_SETTINGS = settingGroup('limits', {
  blobSizeLimitError: namespaceLimit(
    { type: 'size', unit: 'bytes', default: 2 * MIB, readBy: ['frontend', 'history'], readIn: 'libs/domain/src/limits.ts', why: 'limit.blobSize.error: a larger payload is refused (advertised in DescribeNamespace, so the SDKs check first).' },
    'blobSizeLimitError',
  ),
  blobSizeLimitWarn: namespaceLimit({ type: 'size', unit: 'bytes', default: 512 * KIB, readIn: 'libs/domain/src/limits.ts', why: 'limit.blobSize.warn: a larger payload is logged with the workflow id.' }, 'blobSizeLimitWarn'),
  historyCountLimitError: namespaceLimit(
    { type: 'count', unit: 'items', default: 51_200, readIn: 'libs/domain/src/limits.ts', why: 'limit.historyCount.error: a run whose history would pass this many events is terminated.' },
    'historyCountLimitError',
  ),
  historyCountLimitWarn: namespaceLimit({ type: 'count', unit: 'items', default: 10_240, readIn: 'libs/domain/src/limits.ts', why: 'limit.historyCount.warn: passing this many events is logged.' }, 'historyCountLimitWarn'),
  historyCountSuggestContinueAsNew: namespaceLimit(
    { type: 'count', unit: 'items', default: 4_096, readIn: 'libs/domain/src/limits.ts', why: 'limit.historyCount.suggestContinueAsNew: from this many events workflow tasks suggest continue-as-new.' },
    'historyCountSuggestContinueAsNew',
  ),
  historySizeLimitError: namespaceLimit(
    { type: 'size', unit: 'bytes', default: 50 * MIB, readIn: 'libs/domain/src/limits.ts', why: 'limit.historySize.error: a run whose history would pass this size is terminated.' },
    'historySizeLimitError',
  ),
  historySizeLimitWarn: namespaceLimit({ type: 'size', unit: 'bytes', default: 10 * MIB, readIn: 'libs/domain/src/limits.ts', why: 'limit.historySize.warn: passing this size is logged.' }, 'historySizeLimitWarn'),
  historySizeSuggestContinueAsNew: namespaceLimit(
    { type: 'size', unit: 'bytes', default: 4 * MIB, readIn: 'libs/domain/src/limits.ts', why: 'limit.historySize.suggestContinueAsNew: from this size workflow tasks suggest continue-as-new.' },
    'historySizeSuggestContinueAsNew',
  ),
  pendingActivitiesLimit: namespaceLimit(
    { type: 'count', unit: 'items', default: 2_000, readIn: 'libs/domain/src/limits.ts', why: 'limit.numPendingActivities.error: a workflow task scheduling more open activities fails.' },
    'pendingActivitiesLimit',
  ),
  namespaceRps: namespaceLimit(
    { type: 'rate', unit: 'per second', default: 2_400, readBy: ['frontend'], readIn: 'libs/domain/src/limits.ts', why: 'frontend.namespaceRPS: requests per second per namespace, per frontend instance (burst × frontend.namespaceBurstRatio).' },
    'namespaceRps',
  ),
  namespaceConcurrentLongPolls: namespaceLimit(
    { type: 'count', unit: 'items', default: 1_200, readBy: ['frontend'], readIn: 'libs/domain/src/limits.ts', why: 'frontend.namespaceCount: concurrent long polls per namespace and API, per frontend instance.' },
    'namespaceConcurrentLongPolls',
  ),
});
