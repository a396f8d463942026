import { describe, expect, it } from 'vitest';
import { natsConnectTarget } from './natsServers';

describe('natsConnectTarget', () => {
  it('takes a user and password, or a token, out of the URLs', () => {
    expect(natsConnectTarget(['nats://kairos:s%40cret@127.0.0.1:4222'])).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'kairos', pass: 's@cret' });
    expect(natsConnectTarget(['nats://T0KEN@nats:4222', 'tls://T0KEN@other:4222'])).toEqual({ servers: ['nats://nats:4222', 'tls://other:4222'], token: 'T0KEN' });
    expect(natsConnectTarget(['nats://a:b@one:4222', 'nats://two:4222'])).toEqual({ servers: ['nats://one:4222', 'nats://two:4222'], user: 'a', pass: 'b' });
  });

  it('leaves URLs without credentials as they are', () => {
    expect(natsConnectTarget(['nats://127.0.0.1:4222', 'nats:4222'])).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats:4222'] });
  });

  it('refuses URLs naming different credentials, without quoting them', () => {
    expect(() => natsConnectTarget(['nats://a:b@one:4222', 'nats://a:c@two:4222'])).toThrow(/^the NATS URLs name different credentials/);
  });
});
