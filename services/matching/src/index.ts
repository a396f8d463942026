export { MatchingService } from './matchingService';
export type { MatchingServiceOptions } from './matchingService';
