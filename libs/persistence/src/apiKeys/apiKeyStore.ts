/** An API key as stored: never the secret itself, only its hash (the frontend's apiKeys module makes and checks both). */
export interface StoredApiKey {
  /** Public, random; the part of the token between `kairos_` and the secret. */
  id: string;
  /** A hash of the token's secret (SHA-256; the secret is 256 random bits, so no slow hash is needed). */
  secretHash: Uint8Array;
  /** `<namespace>:<role>` entries, as a JWT's `permissions` claim. */
  permissions: string[];
  description: string;
  createdAt: Date;
  /** Set once by the first revocation; a revoked key is refused from then on. */
  revokedAt?: Date;
  /** The key is refused from this time on. */
  expiresAt?: Date;
}

/** What `createApiKey` stores: a key is created active. */
export type NewApiKey = Omit<StoredApiKey, 'revokedAt'>;

/**
 * API keys (`kairos api-key create|list|revoke`). The frontend reads a key by id on every call that
 * presents it, so a revocation written by any process is seen by the next call everywhere.
 */
export interface ApiKeyStore {
  /** Stores a new key; ApiKeyExistsError when the id is taken (nothing written). */
  createApiKey(key: NewApiKey): Promise<void>;
  getApiKey(id: string): Promise<StoredApiKey | undefined>;
  /** Every key, revoked and expired ones included, oldest first (then by id). */
  listApiKeys(): Promise<StoredApiKey[]>;
  /**
   * Marks the key revoked at `at` unless it already is (the first revocation time is kept), and
   * returns it as stored afterwards; ApiKeyNotFoundError for an unknown id.
   */
  revokeApiKey(id: string, at: Date): Promise<StoredApiKey>;
}
