import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { redactUrlCredentials } from './redact';

describe('redactUrlCredentials', () => {
  it('masks passwords and lone tokens in URLs anywhere in a text, and nothing else', () => {
    expect(redactUrlCredentials('nats://kairos:s3cret@127.0.0.1:4222')).toBe('nats://kairos:***@127.0.0.1:4222');
    expect(redactUrlCredentials('nats://T0KEN@nats:4222,nats://u:p@other:4222')).toBe('nats://***@nats:4222,nats://u:***@other:4222');
    expect(redactUrlCredentials('connect postgres://app:pa%40ss@db:5432/kairos failed')).toBe('connect postgres://app:***@db:5432/kairos failed');
    expect(redactUrlCredentials('nats://127.0.0.1:4222 and mail user@example.com')).toBe('nats://127.0.0.1:4222 and mail user@example.com');
    expect(redactUrlCredentials('https://ghp_T0KEN@github.com/x')).toBe('https://***@github.com/x');
  });

  it('keeps a PostgreSQL URL’s lone user (a role name) and masks a password given as a parameter', () => {
    expect(redactUrlCredentials('schema of postgres://kairos@db:5432/k is current')).toBe('schema of postgres://kairos@db:5432/k is current');
    expect(redactUrlCredentials('postgresql://kairos@db/k?sslmode=require&password=s3cret&x=1')).toBe('postgresql://kairos@db/k?sslmode=require&password=***&x=1');
    expect(redactUrlCredentials('host=db user=kairos password=s3cret dbname=k')).toBe('host=db user=kairos password=*** dbname=k');
    expect(redactUrlCredentials('postgres://db/k?sslpassword=s3cret')).toBe('postgres://db/k?sslpassword=***');
    // TLS parameters name files, not secrets: they stay readable (a wrong CA file is then easy to spot).
    expect(redactUrlCredentials('postgres://kairos:s3cret@db:5432/k?sslmode=verify-full&sslrootcert=/tls/ca.pem&sslcert=/tls/c.pem&sslkey=/tls/c.key&sslpassword=k3y')).toBe(
      'postgres://kairos:***@db:5432/k?sslmode=verify-full&sslrootcert=/tls/ca.pem&sslcert=/tls/c.pem&sslkey=/tls/c.key&sslpassword=***',
    );
  });

  it('the logger writes no password, in fields, messages or errors', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) } });
    logger.warn('starting without NATS', { servers: 'nats://kairos:s3cret@127.0.0.1:4222', list: ['postgres://a:hunter2@db/x'] });
    logger.error('failed', { error: new Error('cannot reach nats://kairos:s3cret@127.0.0.1:4222') });
    const text = lines.join('');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('nats://kairos:***@127.0.0.1:4222');
  });
});
