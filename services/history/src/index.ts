export { HistoryService } from './historyService';
export type { HistoryServiceOptions } from './historyService';
