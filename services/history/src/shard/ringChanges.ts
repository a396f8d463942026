import type { ClusterView } from '@kairos/cluster';

/** Whether the live history instances differ between two reads of the directory (a ring change, in Temporal's words). */
export function historyRingChanged(before: ClusterView, after: ClusterView): boolean {
  const ids = (view: ClusterView) => new Set(view.members.history.map((m) => m.instanceId));
  const [a, b] = [ids(before), ids(after)];
  if (a.size !== b.size) return true;
  for (const id of a) if (!b.has(id)) return true;
  return false;
}
