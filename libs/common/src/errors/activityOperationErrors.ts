import { failedPrecondition, invalidArgument, notFound, unimplemented } from './serviceErrors';

/*
 * Operator actions on activities and workflows (PauseActivity, ResetActivity, …): Temporal's words.
 */

/** The request names no pending activity (an unknown id, a type with none pending). */
export function activityNotFoundById() {
  return notFound("Can't find pending activity with such ID. Invalid activityID or activity already completed");
}

/** PauseActivity of an activity another request paused already. */
export function activityAlreadyPaused() {
  return failedPrecondition('activity is already paused');
}

/** PauseActivity, ResetActivity, … naming neither an activity id nor a type. */
export function activityIdOrTypeNotSet() {
  return invalidArgument('Either Activity.Id or Activity.Type should be set on request.');
}

/** PauseWorkflowExecution: off by default in Temporal (`frontend.WorkflowPauseEnabled`), as in Kairos. */
export function workflowPauseNotEnabled(namespace: string) {
  return unimplemented(`workflow pause is not enabled for namespace: ${namespace}`);
}

/** The *ActivityExecution operator calls naming an activity by id alone: Kairos runs no standalone activities. */
export function standaloneActivityNotFound(activityId: string) {
  return notFound(`activity not found for ID: ${activityId}`);
}

/** The workflow rule calls: off by default in Temporal 1.32 (`frontend.workflowRulesAPIsEnabled`), and not in Kairos. */
export function workflowRulesNotEnabled(method: string) {
  return unimplemented(`method ${method} not supported`);
}
