// Workload A's workflow: one activity, one argument (the seed's shape).
const { proxyActivities } = require('@temporalio/workflow');

const { greet } = proxyActivities({ startToCloseTimeout: '10s' });

async function oneActivity(name) {
  return await greet(name);
}

module.exports = { oneActivity };
