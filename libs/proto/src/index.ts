// Generated code lives in ./generated and is imported by path, e.g.
// `@kairos/proto/temporal/api/history/v1/message`.
export {};
