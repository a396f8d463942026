import { openPostgresStore } from '../../src/postgres/postgresStore';
import type { Store } from '../../src/store';
import { storeConformance } from '../conformance';
import { usePostgresServer } from './server';

const { migratedDatabase } = usePostgresServer();

const urls = new WeakMap<Store, string>();
storeConformance('postgres', {
  async open() {
    const url = await migratedDatabase();
    const { store } = await openPostgresStore({ url });
    urls.set(store, url);
    return store;
  },
  async reopen(closed) {
    const url = urls.get(closed)!;
    const { store } = await openPostgresStore({ url });
    urls.set(store, url);
    return store;
  },
});
