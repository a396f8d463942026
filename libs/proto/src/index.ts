// Generated code lives in ./generated and is imported by path, e.g.
// `@kairos/proto/dist/generated/temporal/api/history/v1/message`.
export {};
