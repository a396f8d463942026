import { ADVERTISE_ADDRESS_ENV, NATS_URL_ENV, POSTGRES_URL_ENV } from './types';
import type { FlagValues } from './resolveConfig';

const STORE_FLAGS = ['db-filename', 'in-memory', 'postgres-url'];

/**
 * The flags a cluster service takes from the environment when they are absent: --postgres-url
 * from $KAIROS_POSTGRES_URL when neither a flag nor the config file names a store (keeps the
 * password off command lines), --advertise-address from $KAIROS_ADVERTISE_ADDRESS (set per pod),
 * --nats-url from $KAIROS_NATS_URL when neither the flag nor the config file names one (its
 * password or token).
 * They join the flags, so their values are checked and reported as the flags' are.
 */
export function withFlagsFromEnv(flags: FlagValues, fileContent: unknown, env: Record<string, string | undefined>): FlagValues {
  const out = new Map(flags);
  const fileNamesStore = typeof fileContent === 'object' && fileContent !== null && (fileContent as { store?: unknown }).store !== undefined;
  const url = env[POSTGRES_URL_ENV];
  if (url && !fileNamesStore && !STORE_FLAGS.some((f) => flags.has(f))) out.set('postgres-url', [url]);
  const fileNamesNats = typeof fileContent === 'object' && fileContent !== null && (fileContent as { natsUrl?: unknown }).natsUrl !== undefined;
  const natsUrl = env[NATS_URL_ENV];
  if (natsUrl && !fileNamesNats && !flags.has('nats-url')) out.set('nats-url', [natsUrl]);
  const advertise = env[ADVERTISE_ADDRESS_ENV];
  if (advertise && !out.has('advertise-address')) out.set('advertise-address', [advertise]);
  return out;
}
