import type { SettingName } from './registry';

/**
 * Temporal dynamic-config keys with a Kairos equivalent: `kairos server start-dev
 * --dynamic-config-value KEY=VALUE` sets the setting (for every namespace; a namespace's own
 * limit in the config file still wins). Only settings read where a start-time value reaches them.
 */
export const TEMPORAL_DYNAMIC_CONFIG_KEYS: Readonly<Record<string, SettingName>> = {
  'limit.maxIDLength': 'domain.maxIdLength',
  'limit.memoSize.error': 'domain.memoSizeLimit',
  'limit.blobSize.error': 'limits.blobSizeLimitError',
  'limit.blobSize.warn': 'limits.blobSizeLimitWarn',
  'limit.historyCount.error': 'limits.historyCountLimitError',
  'limit.historyCount.warn': 'limits.historyCountLimitWarn',
  'limit.historyCount.suggestContinueAsNew': 'limits.historyCountSuggestContinueAsNew',
  'limit.historySize.error': 'limits.historySizeLimitError',
  'limit.historySize.warn': 'limits.historySizeLimitWarn',
  'limit.historySize.suggestContinueAsNew': 'limits.historySizeSuggestContinueAsNew',
  'limit.numPendingActivities.error': 'limits.pendingActivitiesLimit',
  'frontend.namespaceRPS': 'limits.namespaceRps',
  'frontend.namespaceCount': 'limits.namespaceConcurrentLongPolls',
  'frontend.namespaceBurstRatio': 'frontend.namespaceBurstRatio',
  'frontend.visibilityMaxPageSize': 'frontend.visibilityMaxPageSize',
  'frontend.MaxConcurrentBatchOperationPerNamespace': 'frontend.maxConcurrentBatchOperationPerNamespace',
  'worker.batcherRPS': 'history.batcherRps',
  'worker.batcherConcurrency': 'history.batcherConcurrency',
  'frontend.searchAttributesNumberOfKeysLimit': 'domain.searchAttributesNumberOfKeys',
  'frontend.searchAttributesSizeOfValueLimit': 'domain.searchAttributeValueSize',
  'frontend.searchAttributesTotalSizeLimit': 'domain.searchAttributesTotalSize',
  'history.maximumSignalsPerExecution': 'history.maxSignalsPerExecution',
  'history.maxInFlightUpdates': 'history.maxInFlightUpdates',
  'history.maxTotalUpdates': 'history.maxTotalUpdates',
  'system.maxServiceErrorMessageLength': 'grpc.maxErrorMessageLength',
  'system.namespaceMinRetentionLocal': 'domain.minRetention',
  'frontend.deleteNamespaceNamespaceDeleteDelay': 'domain.namespaceDeleteDelay',
};

export function settingForTemporalKey(key: string): SettingName | undefined {
  return Object.hasOwn(TEMPORAL_DYNAMIC_CONFIG_KEYS, key) ? TEMPORAL_DYNAMIC_CONFIG_KEYS[key] : undefined;
}

/** The Temporal key that sets `name`, if any (for the settings table). */
export function temporalKeyOf(name: SettingName): string | undefined {
  return Object.entries(TEMPORAL_DYNAMIC_CONFIG_KEYS).find(([, setting]) => setting === name)?.[0];
}
