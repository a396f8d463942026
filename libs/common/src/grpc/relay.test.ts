import { afterEach, describe, expect, it } from 'vitest';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition, PollWorkflowTaskQueueResponse as MatchingPollResponse } from '@kairos/proto/kairos/matchingservice/v1/service';
import { RecordWorkflowTaskStartedResponse } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { PollWorkflowTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import { HealthCheckResponse } from '@kairos/proto/grpc/health/v1/health';
import { Http2Connection } from './http2Connection';
import { decodeKeepingRelayed, encodeAnswer, isRelayWrapper, RelayedMessage, splitRelayedField } from './relay';
import { GrpcServer } from './server';
import { createUnaryClient } from './unaryClient';

/** A workflow task as history answers it: a run's first events, with a payload. */
const task = PollWorkflowTaskQueueResponse.fromPartial({
  taskToken: Uint8Array.of(1, 2, 3),
  workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
  workflowType: { name: 'Greet' },
  startedEventId: 3,
  attempt: 1,
  history: {
    events: [
      { eventId: 1, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, workflowExecutionStartedEventAttributes: { workflowType: { name: 'Greet' }, input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Kairos"') }] } } },
      { eventId: 2, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, workflowTaskScheduledEventAttributes: { startToCloseTimeout: { seconds: 10, nanos: 0 } } },
      { eventId: 3, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, workflowTaskStartedEventAttributes: { scheduledEventId: 2, identity: 'worker-1' } },
    ],
  },
});
const taskBytes = PollWorkflowTaskQueueResponse.encode(task).finish();

describe('relayed answers', () => {
  it("keeps a wrapper's response as the bytes it was sent in, and sends them on unchanged", () => {
    const wrapper = RecordWorkflowTaskStartedResponse.encode({ response: task }).finish();
    const split = splitRelayedField(wrapper);
    expect(Buffer.from(split.field!)).toEqual(Buffer.from(taskBytes));
    expect(split.rest).toHaveLength(0);

    const kept = decodeKeepingRelayed(RecordWorkflowTaskStartedResponse, wrapper) as { response: RelayedMessage };
    expect(kept.response).toBeInstanceOf(RelayedMessage);
    // Matching's wrapper around history's bytes decodes as if it had been built from the message.
    const relayedOn = encodeAnswer(MatchingPollResponse, { response: kept.response });
    expect(Buffer.from(relayedOn)).toEqual(Buffer.from(MatchingPollResponse.encode({ response: task }).finish()));
    // And the frontend answers with the public message itself.
    expect(Buffer.from(encodeAnswer(PollWorkflowTaskQueueResponse, kept.response))).toEqual(Buffer.from(taskBytes));
  });

  it('reads an absent response as undefined, keeps the other fields, and refuses a relay into a non-wrapper', () => {
    expect(decodeKeepingRelayed(MatchingPollResponse, new Uint8Array())).toEqual({ response: undefined });
    // Field 2 (varint 7) around field 1: split keeps it apart for the normal decode.
    const withOthers = Buffer.concat([Uint8Array.of(0x10, 7), RecordWorkflowTaskStartedResponse.encode({ response: task }).finish(), Uint8Array.of(0x10, 7)]);
    const split = splitRelayedField(withOthers);
    expect(Buffer.from(split.field!)).toEqual(Buffer.from(taskBytes));
    expect(Buffer.from(split.rest)).toEqual(Buffer.from([0x10, 7, 0x10, 7]));
    expect(() => splitRelayedField(Uint8Array.of(0x0a, 5, 1))).toThrow(/truncated/);

    expect(isRelayWrapper(RecordWorkflowTaskStartedResponse)).toBe(true);
    expect(isRelayWrapper(MatchingPollResponse)).toBe(true);
    expect(isRelayWrapper(HealthCheckResponse)).toBe(false);
    expect(() => encodeAnswer(HealthCheckResponse, { response: new RelayedMessage(taskBytes) })).toThrow(/not a wrapper/);
    // Everything else is encoded as before: a partial message filled in.
    expect(HealthCheckResponse.decode(encodeAnswer(HealthCheckResponse, {}))).toEqual(HealthCheckResponse.fromPartial({}));
  });
});

describe('relaying across services over HTTP/2', () => {
  const servers: GrpcServer[] = [];
  const connections: Http2Connection[] = [];
  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    for (const s of servers.splice(0)) s.forceShutdown();
  });
  const connect = (port: number) => {
    const connection = new Http2Connection(`127.0.0.1:${port}`, { maxMessageBytes: 1 << 20, connectTimeoutMs: 5_000 });
    connections.push(connection);
    return connection;
  };
  const listen = async (server: GrpcServer) => {
    servers.push(server);
    return server.listen('127.0.0.1:0');
  };

  it("a matching-like server answers with history's task bytes, and its caller decodes the same task", async () => {
    const options = { maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 };
    const history = new GrpcServer(options).add(HistoryServiceDefinition, { recordWorkflowTaskStarted: async () => ({ response: task }) });
    const historyPort = await listen(history);
    const relaying = createUnaryClient(HistoryServiceDefinition, connect(historyPort), undefined, new Set(['recordWorkflowTaskStarted']));
    const seen: unknown[] = [];
    const matching = new GrpcServer(options).add(MatchingServiceDefinition, {
      pollWorkflowTaskQueue: async () => {
        const started = await relaying.recordWorkflowTaskStarted({ namespaceId: 'ns' });
        seen.push(started.response);
        return { response: started.response };
      },
    });
    const matchingPort = await listen(matching);

    const frontend = createUnaryClient(MatchingServiceDefinition, connect(matchingPort));
    const answer = await frontend.pollWorkflowTaskQueue({ namespaceId: 'ns' });
    expect(seen[0]).toBeInstanceOf(RelayedMessage);
    expect(Buffer.from(PollWorkflowTaskQueueResponse.encode(answer.response!).finish())).toEqual(Buffer.from(taskBytes));
    expect(answer.response!.history!.events.map((e) => e.eventId)).toEqual([1, 2, 3]);
    // A client relaying a method whose answer has no field 1 "response" is a mistake found at once.
    expect(() => createUnaryClient(MatchingServiceDefinition, connect(matchingPort), undefined, new Set(['addWorkflowTask']))).toThrow(/no field 1/);
  });
});
