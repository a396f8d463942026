import type { CallContext } from 'nice-grpc-common';
import type { Middleware } from '@kairos/common/grpc';
import type { Logger } from '@kairos/common/logger';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import type { AuthorizationConfig } from './authorizationConfig';
import { createAuthMiddleware, type CallPrincipal } from './authMiddleware';
import { credentialClaimMapper, type CredentialSources } from './credentialClaims';
import { JwksKeySource } from './jwksKeys';
import type { Claims } from './roles';
import { VerifiedTokenCache } from './verifiedTokens';

export interface FrontendAuthorization {
  middleware: Middleware<CallContext & CallPrincipal>;
  stop(): void;
}

const WORKFLOW_METHODS: ReadonlySet<string> = new Set(Object.values(WorkflowServiceDefinition.methods).map((m) => m.name));

/**
 * The authorization middleware `config` describes, its JWT keys fetched once before it is returned
 * (a source that is down is logged and retried; until it answers, tokens are refused).
 */
export async function startFrontendAuthorization(
  config: AuthorizationConfig,
  deps: {
    logger: Logger;
    apiKeyClaims?: (token: string) => Promise<Claims>;
    onDecision?: (namespace: string, allowed: boolean, seconds: number) => void;
  },
): Promise<FrontendAuthorization> {
  const logger = deps.logger.child({ component: 'authorization' });
  const sources: CredentialSources = {};
  let keys: JwksKeySource | undefined;
  if (config.jwtKeyProvider) {
    keys = new JwksKeySource(config.jwtKeyProvider.keySourceURIs, config.jwtKeyProvider.refreshIntervalMs, logger);
    await keys.start();
    sources.jwt = {
      keys,
      cache: new VerifiedTokenCache(),
      options: {
        permissionsClaimName: config.permissionsClaimName,
        ...(config.audience !== undefined && { audience: config.audience }),
        ...(config.permissionsRegex !== undefined && { regex: new RegExp(config.permissionsRegex) }),
      },
    };
  }
  if (config.apiKeys && deps.apiKeyClaims) sources.apiKeys = deps.apiKeyClaims;
  if (config.tlsSubjectPermissions) sources.tlsSubjects = config.tlsSubjectPermissions;
  return {
    middleware: createAuthMiddleware({ claimMapper: credentialClaimMapper(sources), knownWorkflowMethods: WORKFLOW_METHODS, logger, onDecision: deps.onDecision }),
    stop: () => keys?.stop(),
  };
}
