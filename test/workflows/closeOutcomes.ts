// One workflow per way a run closes, for the workflow outcome metrics.
export { greetOne } from './activities';
export { countdown } from './continueAsNew';
export { alwaysFails, sleepsForever } from './chains';
