/** FNV-1a over the UTF-8 bytes: stable across processes and versions, cheap, well spread. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The history shard owning an execution: fixed by namespace id and workflow id (shards are 1-based). */
export function shardIdFor(namespaceId: string, workflowId: string, numShards: number): number {
  return (fnv1a(`${namespaceId}/${workflowId}`) % numShards) + 1;
}
