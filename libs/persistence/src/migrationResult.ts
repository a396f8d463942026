/** What migrating a store's schema did. */
export interface MigrationResult {
  /** Schema version found before migrating (0: a new, empty database). */
  from: number;
  /** Schema version after migrating. */
  to: number;
}
