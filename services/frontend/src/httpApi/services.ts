/** The services the HTTP API serves, in the order Temporal's gateway registers them. */
export const HTTP_API_SERVICES = ['temporal.api.workflowservice.v1.WorkflowService', 'temporal.api.operatorservice.v1.OperatorService'] as const;
