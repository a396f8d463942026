import { describe, expect, it } from 'vitest';
import { ConfigError } from './configError';
import { resolveConfig } from './resolveConfig';
import { durationMs } from './durations';

const fromFile = (tls: unknown, mode: 'dev' | 'cluster' = 'cluster') =>
  resolveConfig({ mode, service: 'history', file: { name: 'k.json', content: { tls } }, flags: new Map([['db-filename', ['k.db']]]) }).tls;

function problems(tls: unknown): string[] {
  try {
    fromFile(tls);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('no ConfigError');
}

describe('the tls config key (Temporal global.tls names)', () => {
  it('reads frontend and internode, server and client', () => {
    const server = { certFile: 'n.pem', keyFile: 'n.key', clientCaFiles: ['ca.pem'], requireClientAuth: true };
    expect(
      fromFile({
        refreshInterval: '1m30s',
        frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } },
        internode: { server, client: { serverName: 'kairos-internode', rootCaFiles: ['ca.pem'], disableHostVerification: false } },
      }),
    ).toEqual({
      refreshIntervalMs: 90_000,
      frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } },
      internode: { server, client: { serverName: 'kairos-internode', rootCaFiles: ['ca.pem'], disableHostVerification: false } },
    });
  });

  it('defaults the refresh to 30 s; 0 turns it off as in Temporal', () => {
    expect(fromFile({ frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } } })?.refreshIntervalMs).toBe(30_000);
    expect(fromFile({ refreshInterval: '0s', frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } } })?.refreshIntervalMs).toBe(0);
    expect(fromFile({ refreshInterval: 250, frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } } })?.refreshIntervalMs).toBe(250);
  });

  it('is absent when no server side is configured', () => {
    expect(fromFile({})).toBeUndefined();
    expect(fromFile(undefined)).toBeUndefined();
  });

  it('refuses unknown keys, wrong types and incomplete settings, naming each', () => {
    expect(
      problems({
        refreshInterval: 'soon',
        frontend: { server: { certFile: 'f.pem', keyfile: 'f.key', requireClientAuth: true }, client: {} },
        internode: { client: { serverName: '', rootCaFiles: 'ca.pem' } },
        extra: 1,
      }),
    ).toEqual([
      'config file k.json: tls.extra is not a known key (known: refreshInterval, frontend, internode)',
      'config file k.json: tls.refreshInterval must be a duration such as "30s", "5m" or a number of milliseconds, got "soon"',
      'config file k.json: tls.frontend.client is not a known key (known: server)',
      'config file k.json: tls.frontend.server.keyfile is not a known key (known: certFile, keyFile, clientCaFiles, requireClientAuth)',
      'config file k.json: tls.frontend.server.keyFile is required',
      'config file k.json: tls.frontend.server.requireClientAuth needs tls.frontend.server.clientCaFiles: the CAs client certificates are checked against',
      'config file k.json: tls.internode.client.serverName must be a host name, got ""',
      'config file k.json: tls.internode.client.rootCaFiles must be an array of file names, got "ca.pem"',
      'config file k.json: tls.internode.client needs tls.internode.server: its certificate is the identity internal clients present',
    ]);
    expect(problems('on')).toEqual(['config file k.json: tls must be an object']);
  });

  it('lets start-dev flags replace the file frontend server', () => {
    const config = resolveConfig({
      mode: 'dev',
      file: { name: 'k.json', content: { tls: { refreshInterval: '5s', frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } } } } },
      flags: new Map([['tls-cert-path', ['c.pem']], ['tls-key-path', ['c.key']]]),
    });
    expect(config.tls).toEqual({ refreshIntervalMs: 5_000, frontend: { server: { certFile: 'c.pem', keyFile: 'c.key' } } });
  });

  it('lets a file frontend TLS open start-dev beyond loopback', () => {
    const config = resolveConfig({
      mode: 'dev',
      file: { name: 'k.json', content: { services: { frontend: { bindIp: '0.0.0.0' } }, tls: { frontend: { server: { certFile: 'f.pem', keyFile: 'f.key' } } } } },
    });
    expect(config.services.frontend.bindIp).toBe('0.0.0.0');
  });

  it('reads durations in Go form or milliseconds', () => {
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('1h2m3s4ms')).toBe(3_723_004);
    expect(durationMs('1.5s')).toBe(1_500);
    expect(durationMs('0')).toBe(0);
    expect(durationMs(-1)).toBeUndefined();
    expect(durationMs('5')).toBeUndefined();
    expect(durationMs('')).toBeUndefined();
    expect(durationMs('1d')).toBeUndefined();
  });
});
