/** What the execution manager tells after each committed change of a run (the long polls listen). */
export interface HistoryChanges {
  /** `key` (`namespaceId/workflowId/runId`) changed; `closed`: the change closed the run (or deleted it). */
  changed(key: string, closed: boolean): void;
}
