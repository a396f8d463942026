import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import type { Store } from '../../src/store';
import { storeConformance } from '../conformance';
import { databaseFiles } from './databaseFiles';

const { newFile } = databaseFiles();

storeConformance('sqlite :memory:', { open: async () => openSqliteStore({ filename: ':memory:' }).store });

storeConformance('sqlite :memory: without group commit', { open: async () => openSqliteStore({ filename: ':memory:', groupCommit: false }).store });

const files = new WeakMap<Store, string>();
storeConformance('sqlite file (WAL)', {
  async open() {
    const filename = newFile();
    const { store } = openSqliteStore({ filename });
    files.set(store, filename);
    return store;
  },
  async reopen(closed) {
    const filename = files.get(closed)!;
    const { store } = openSqliteStore({ filename });
    files.set(store, filename);
    return store;
  },
});
