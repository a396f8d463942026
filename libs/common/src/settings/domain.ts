import { settingGroup } from './setting';

/** Temporal's fixed limits on what a workflow carries (`libs/domain`). */
export const DOMAIN_SETTINGS = settingGroup('domain', {
  maxIdLength: {
    type: 'size',
    unit: 'bytes',
    default: 1_000,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/validation/idLengths.ts',
    why: "Temporal's limit.maxIDLength: ids, names, request ids and task queue names longer than this (in UTF-8 bytes) are refused, by the frontend and again by history's own entrances.",
  },
  memoSizeLimit: {
    type: 'size',
    unit: 'bytes',
    default: 2 * 1024 * 1024,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/limits.ts',
    why: "Temporal's limit.memoSize.error: a larger memo on a start is refused (history), and the limit is advertised in DescribeNamespace so the SDKs check memos before sending.",
  },
  maxCustomSearchAttributes: {
    type: 'count',
    unit: 'items',
    default: 100,
    readBy: ['frontend'],
    readIn: 'libs/domain/src/searchAttributes.ts',
    why: "Custom search attributes a namespace may register (Kairos's limit, of any types; Temporal's SQL visibility pre-allocates fields per type).",
  },
  searchAttributesNumberOfKeys: {
    type: 'count',
    unit: 'items',
    default: 100,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/searchAttributes.ts',
    why: "Temporal's frontend.searchAttributesNumberOfKeysLimit: search attributes one request or upsert may set.",
  },
  searchAttributeValueSize: {
    type: 'size',
    unit: 'bytes',
    default: 2 * 1024,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/searchAttributes.ts',
    why: "Temporal's frontend.searchAttributesSizeOfValueLimit: one search attribute value's encoded size.",
  },
  searchAttributesTotalSize: {
    type: 'size',
    unit: 'bytes',
    default: 40 * 1024,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/searchAttributes.ts',
    why: "Temporal's frontend.searchAttributesTotalSizeLimit: all of one request's search attributes together.",
  },
  defaultRetention: {
    type: 'duration',
    unit: 'ms',
    default: 24 * 3_600_000,
    readBy: ['frontend', 'history'],
    readIn: 'services/frontend/src/namespaces.ts, services/history/src/workflow/runTransaction.ts',
    why: "Retention of a namespace created without one (the ones Kairos creates at start): Temporal's default of one day.",
  },
  minRetention: {
    type: 'duration',
    unit: 'ms',
    default: 3_600_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/namespaceUpdates.ts',
    why: "The shortest retention RegisterNamespace and UpdateNamespace accept: Temporal's one-hour floor for a local namespace (the dev server refuses 59m).",
  },
});
