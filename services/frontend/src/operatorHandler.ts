import type { Store } from '@kairos/persistence/dist/store';
import { OperatorServiceDefinition, type OperatorServiceImplementation } from '@kairos/proto/dist/generated/temporal/api/operatorservice/v1/service';
import { withUnimplemented } from './workflowHandler';

/** OperatorService: namespaces are managed through WorkflowService for now; the rest follows. */
export function createOperatorHandler(_store: Store): OperatorServiceImplementation {
  return withUnimplemented<OperatorServiceImplementation>(OperatorServiceDefinition, {});
}
