import { namespaceIdNotFound, namespaceNotFound } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { NamespaceStore } from '@kairos/persistence/store';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';

/**
 * Resolves namespaces by name or id through a small cache over the store. Namespaces change
 * rarely; an entry is re-read after `ttlMs` so a namespace registered elsewhere becomes visible.
 */
export class NamespaceRegistry {
  private readonly byName = new Map<string, { record: NamespaceRecord; at: number }>();
  private readonly byId = new Map<string, { record: NamespaceRecord; at: number }>();

  constructor(
    private readonly store: NamespaceStore,
    private readonly ttlMs = setting('cluster.namespaceCacheTtl'),
  ) {}

  async getByName(name: string): Promise<NamespaceRecord> {
    const hit = this.byName.get(name);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.record;
    const record = await this.store.getNamespaceByName(name);
    if (!record) throw namespaceNotFound(name);
    this.remember(record);
    return record;
  }

  /** Whether a namespace of that name exists (cached like `getByName`; unknown names are not remembered). */
  async exists(name: string): Promise<boolean> {
    const hit = this.byName.get(name);
    if (hit && Date.now() - hit.at < this.ttlMs) return true;
    const record = await this.store.getNamespaceByName(name);
    if (record) this.remember(record);
    return record !== undefined;
  }

  async getById(id: string): Promise<NamespaceRecord> {
    const hit = this.byId.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.record;
    const record = await this.store.getNamespaceById(id);
    if (!record) throw namespaceIdNotFound(id);
    this.remember(record);
    return record;
  }

  /** Drops what is cached under `name` (a namespace renamed here is unknown by its old name at once). */
  forget(name: string): void {
    const hit = this.byName.get(name);
    this.byName.delete(name);
    if (hit) this.byId.delete(hit.record.info!.id);
  }

  remember(record: NamespaceRecord): void {
    const entry = { record, at: Date.now() };
    this.byName.set(record.info!.name, entry);
    this.byId.set(record.info!.id, entry);
  }
}
