export { createHttpApiServer, HTTP_API_SERVICES, type HttpApiServer, type HttpsSource } from './httpApiServer';
export { inProcessInvoker, type ServiceBinding, type UnaryInvoker } from './dispatch';
