export { createHttpApiServer, HTTP_API_SERVICES, type HttpApiServer } from './httpApiServer';
export { inProcessInvoker, type ServiceBinding, type UnaryInvoker } from './dispatch';
