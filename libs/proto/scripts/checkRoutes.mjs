// Build-time check of the routes declared on Kairos's internal services
// (proto/kairos/routing/v1/routing.proto): every RPC of every internal `kairos/` service (not the
// public kairos.adminservice, which the frontend serves like WorkflowService) must carry a
// `(kairos.routing.v1.route)` option naming one target, and each field path in it must lead,
// through singular message fields of the request, to a field of the type the route reads. The
// routers derived at run time trust these paths, so a typo has to fail here, not on a call.
// Input: a buf image in JSON (`buf build -o image.json`), which shows custom options resolved.

const ROUTE = '[kairos.routing.v1.route]';

/** Problems found, one sentence each; empty when every route is sound. */
export function routeProblems(image) {
  const messages = messageIndex(image.file);
  const problems = [];
  for (const file of image.file.filter((f) => f.name.startsWith('kairos/') && !f.name.startsWith('kairos/adminservice/'))) {
    for (const service of file.service ?? []) {
      for (const method of service.method ?? []) {
        const where = `${file.package}.${service.name}.${method.name}`;
        const route = method.options?.[ROUTE];
        const request = messages.get(method.inputType);
        for (const problem of methodProblems(route, request, messages)) problems.push(`${where}: ${problem}`);
      }
    }
  }
  return problems;
}

function methodProblems(route, request, messages) {
  if (!route) return ['no (kairos.routing.v1.route) option: declare how its requests are routed'];
  const targets = ['execution', 'taskQueue', 'anyInstance'].filter((t) => route[t] !== undefined);
  if (targets.length !== 1) return [`the route must name one target, found ${targets.length}`];
  const field = (path, type, typeName) => fieldProblem(request, messages, path, type, typeName);
  if (route.execution) {
    const { workflowId, taskToken } = route.execution;
    if (workflowId !== undefined) return [field('namespace_id', 'TYPE_STRING'), field(workflowId, 'TYPE_STRING')].filter(Boolean);
    if (taskToken !== undefined) {
      const kind = !taskToken.kind || taskToken.kind === 'TASK_TOKEN_KIND_UNSPECIFIED' ? 'the task token needs its kind' : undefined;
      return [field('namespace_id', 'TYPE_STRING'), field(taskToken.field ?? '', 'TYPE_BYTES'), kind].filter(Boolean);
    }
    return ['an execution route must say where the workflow id is (workflow_id or task_token)'];
  }
  if (route.taskQueue) {
    const { name, kind, kindName, taskQueueType } = route.taskQueue;
    const kinds = [kind, kindName, taskQueueType].filter((k) => k !== undefined).length;
    return [
      field('namespace_id', 'TYPE_STRING'),
      field(name ?? '', 'TYPE_STRING'),
      kinds !== 1 ? 'a task queue route must give its kind one way (kind, kind_name or task_queue_type)' : undefined,
      kind === 'TASK_QUEUE_KIND_UNSPECIFIED' ? 'the task queue kind must be WORKFLOW or ACTIVITY' : undefined,
      kindName !== undefined ? field(kindName, 'TYPE_STRING') : undefined,
      taskQueueType !== undefined ? field(taskQueueType, 'TYPE_ENUM', '.temporal.api.enums.v1.TaskQueueType') : undefined,
    ].filter(Boolean);
  }
  return [];
}

/** Why `path` does not lead from `message` to a singular field of `type`, or undefined. */
function fieldProblem(message, messages, path, type, typeName) {
  if (!path) return `a field path is empty (expected a ${type} field)`;
  const names = path.split('.');
  let current = message;
  for (const [i, name] of names.entries()) {
    const field = current?.field?.find((f) => f.name === name);
    if (!field) return `"${path}": ${current?.name ?? 'the request'} has no field ${name}`;
    if (field.label === 'LABEL_REPEATED') return `"${path}": ${name} is repeated`;
    const last = i === names.length - 1;
    if (last && (field.type !== type || (typeName && field.typeName !== typeName))) return `"${path}" is a ${field.typeName ?? field.type}, expected ${typeName ?? type}`;
    if (!last && field.type !== 'TYPE_MESSAGE') return `"${path}": ${name} is not a message`;
    if (!last) current = messages.get(field.typeName);
  }
  return undefined;
}

/** Every message of the image by its fully qualified name (".pkg.Outer.Inner"). */
function messageIndex(files) {
  const index = new Map();
  const add = (prefix, types) => {
    for (const type of types ?? []) {
      const name = `${prefix}.${type.name}`;
      index.set(name, type);
      add(name, type.nestedType);
    }
  };
  for (const file of files) add(file.package ? `.${file.package}` : '', file.messageType);
  return index;
}
