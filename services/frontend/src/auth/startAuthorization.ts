import type { FrontendAuthorization, startFrontendAuthorization as start } from './frontendAuthorization';

/**
 * startFrontendAuthorization, its module (and with it the JWT library, jose) loaded only when a
 * frontend authorizes: most start without it, and loading jose was a twentieth of start-dev's start.
 */
export async function startFrontendAuthorization(...args: Parameters<typeof start>): Promise<FrontendAuthorization> {
  const { startFrontendAuthorization: startAuthorization } = await import('./frontendAuthorization.js');
  return startAuthorization(...args);
}
