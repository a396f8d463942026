// What the `kairos` command uses (`@kairos/frontend/api-keys`): only these small modules, without
// loading the frontend, whose modules read settings the command line may still override.
export { apiKeyClaims } from './apiKeyClaims';
export { newApiKeyToken, parseApiKeyToken, type NewApiKeyToken } from './apiKeyTokens';
export { permissionProblems } from './permissions';
