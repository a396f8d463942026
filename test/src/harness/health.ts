import { rawHealthClient } from '@kairos/testing';

/** gRPC health statuses the suites check. */
export const SERVING = 1;
export const NOT_SERVING = 2;

/**
 * A server's gRPC health status for `service` ('' = the server as a whole), or undefined when it
 * could not answer within 4 s (a blocked process).
 */
export async function healthStatus(address: string, service = ''): Promise<number | undefined> {
  const client = rawHealthClient(address);
  try {
    return (await client.check({ deadline: Date.now() + 4_000 }, undefined, service)).status;
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}
