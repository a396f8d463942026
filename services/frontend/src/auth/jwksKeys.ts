import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import type { Logger } from '@kairos/common/logger';
import { redactUrlCredentials } from '@kairos/common/redact';
import { setting } from '@kairos/common/settings';

export type KeySet = ReturnType<typeof createLocalJWKSet>;


/**
 * The token signing keys from JWKS documents (Temporal's jwtKeyProvider.keySourceURIs: http(s)
 * URLs or file:// paths), fetched at start and every `refreshMs`. A refresh replaces the keys only
 * when every source answered, so a source that is down keeps the keys it gave before; until a first
 * fetch succeeds there are no keys and every token is refused (fail closed).
 */
export class JwksKeySource {
  private keySet: KeySet | undefined;
  private document = '';
  /** Changes whenever the keys change: what was verified with older keys is verified again. */
  generation = 0;
  private lastAttempt = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly retryMs = setting('frontend.jwksRetryInterval');

  constructor(
    private readonly uris: readonly string[],
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  /** Fetches the keys once (failures are logged, not thrown) and keeps them fresh until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The current keys; undefined when no fetch has succeeded yet. */
  current(): KeySet | undefined {
    return this.keySet;
  }

  /** Fetches again when the last attempt is older than the retry interval (a token named a key not known yet). */
  async refreshIfStale(): Promise<void> {
    if (Date.now() - this.lastAttempt >= this.retryMs) await this.refresh();
  }

  private schedule(): void {
    const delay = this.keySet ? this.refreshMs : Math.min(this.refreshMs || this.retryMs, this.retryMs);
    if (delay <= 0) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), delay);
    this.timer.unref();
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async load(): Promise<void> {
    this.lastAttempt = Date.now();
    try {
      const documents = await Promise.all(this.uris.map((uri) => fetchKeySet(uri)));
      const keys = documents.flatMap((d) => d.keys).filter(usableKey);
      const document = JSON.stringify(keys);
      if (document !== this.document) {
        this.keySet = createLocalJWKSet({ keys });
        this.document = document;
        this.generation += 1;
      }
      this.logger.debug('token signing keys loaded', { keys: keys.length });
    } catch (err) {
      this.logger.warn('token signing keys could not be fetched; keeping the previous ones', {
        error: redactUrlCredentials((err as Error).message),
        haveKeys: this.keySet !== undefined,
      });
    }
  }
}

/** Temporal's key provider keeps only RSA and EC public keys named by a `kid`. */
function usableKey(key: JWK): boolean {
  return typeof key.kid === 'string' && key.kid !== '' && (key.kty === 'RSA' || key.kty === 'EC');
}

async function fetchKeySet(uri: string): Promise<JSONWebKeySet> {
  const where = redactUrlCredentials(uri);
  let text: string;
  if (uri.startsWith('file://')) {
    text = await readFile(fileURLToPath(uri), 'utf8');
  } else {
    const response = await fetch(uri, { signal: AbortSignal.timeout(setting('frontend.jwksFetchTimeout')) }).catch((err: Error) => {
      throw new Error(`${where}: ${err.message}`);
    });
    if (!response.ok) throw new Error(`${where} answered HTTP ${response.status}`);
    text = await response.text();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not a JSON Web Key Set`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error(`${where} is not a JSON Web Key Set (no "keys" array)`);
  return { keys: keys as JWK[] };
}
