import { describe, expect, it } from 'vitest';
import { configWarnings, loadConfig } from './config';

describe('remote screen targets in the configuration', () => {
  it('VNC ports default to 5900-5909 and take ports and ranges', () => {
    expect(loadConfig({}).remote.vncPorts).toEqual([{ from: 5900, to: 5909 }]);
    expect(loadConfig({ REMOTE_VNC_PORTS: '5900-5901, 5999' }).remote.vncPorts).toEqual([
      { from: 5900, to: 5901 },
      { from: 5999, to: 5999 },
    ]);
    for (const bad of ['', 'vnc', '5900-', '0', '70000', '5909-5900', '5900;5901']) {
      expect(() => loadConfig({ REMOTE_VNC_PORTS: bad }), bad).toThrow(/REMOTE_VNC_PORTS/);
    }
  });

  it('targets allowed anyway: none by default, CIDR only, never in production', () => {
    expect(loadConfig({}).remote.allowTargets).toEqual([]);
    expect(loadConfig({ REMOTE_ALLOW_TARGETS: '127.0.0.0/8, 169.254.0.0/16' }).remote.allowTargets).toEqual([
      '127.0.0.0/8',
      '169.254.0.0/16',
    ]);
    expect(() => loadConfig({ REMOTE_ALLOW_TARGETS: 'localhost' })).toThrow(
      /REMOTE_ALLOW_TARGETS: IPv4 subnets in CIDR form/,
    );
    expect(() => loadConfig({ REMOTE_ALLOW_TARGETS: '127.0.0.1/33' })).toThrow(/REMOTE_ALLOW_TARGETS/);
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), PUBLIC_ORIGIN: 'https://wakeward.example' };
    expect(() => loadConfig({ ...production, REMOTE_ALLOW_TARGETS: '127.0.0.0/8' })).toThrow(
      /REMOTE_ALLOW_TARGETS: not allowed with NODE_ENV=production/,
    );
    expect(loadConfig(production).remote.allowTargets).toEqual([]);
  });
});

describe('the session cookie in the configuration', () => {
  it('COOKIE_SECURE is auto by default, or true or false; anything else stops the start', () => {
    expect(loadConfig({}).session.cookieSecure).toBe('auto');
    expect(loadConfig({ COOKIE_SECURE: 'auto' }).session.cookieSecure).toBe('auto');
    expect(loadConfig({ COOKIE_SECURE: 'true' }).session.cookieSecure).toBe(true);
    expect(loadConfig({ COOKIE_SECURE: 'false' }).session.cookieSecure).toBe(false);
    expect(() => loadConfig({ COOKIE_SECURE: 'sometimes' })).toThrow(/COOKIE_SECURE/);
  });

  it('production warns at start when the cookie may travel without TLS', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), PUBLIC_ORIGIN: 'https://wakeward.example' };
    expect(configWarnings(loadConfig({ ...production, COOKIE_SECURE: 'false' }))).toEqual([
      expect.stringMatching(/^COOKIE_SECURE=false/),
    ]);
    expect(configWarnings(loadConfig(production))).toEqual([]);
    expect(configWarnings(loadConfig({ ...production, COOKIE_SECURE: 'true' }))).toEqual([]);
    expect(configWarnings(loadConfig({ COOKIE_SECURE: 'false' }))).toEqual([]);
  });
});

describe('notifications in the configuration', () => {
  const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), PUBLIC_ORIGIN: 'https://wakeward.example' };

  it('webhooks reach no private or loopback subnet by default; production may allow private ones, never loopback or link-local', () => {
    expect(loadConfig({}).notifications).toMatchObject({ allowTargets: [], smtpUrl: null, attempts: 8, backoffMs: 5000 });
    expect(loadConfig({ ...production, NOTIFY_ALLOW_TARGETS: '10.20.0.0/16' }).notifications.allowTargets).toEqual(['10.20.0.0/16']);
    for (const inner of ['127.0.0.0/8', '127.0.0.1/32', '169.254.169.254/32', '0.0.0.0/0', '96.0.0.0/3']) {
      expect(() => loadConfig({ ...production, NOTIFY_ALLOW_TARGETS: inner }), inner).toThrow(/NOTIFY_ALLOW_TARGETS: with NODE_ENV=production only private subnets/);
    }
    expect(loadConfig({ NOTIFY_ALLOW_TARGETS: '127.0.0.0/8' }).notifications.allowTargets).toEqual(['127.0.0.0/8']);
  });

  it('SMTP_URL is smtp:// or smtps://; agents alert after AGENT_OFFLINE_ALERT_AFTER_S (default 5 min)', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://user:pass@mail.hospital.example:587' }).notifications.smtpUrl).toBe('smtp://user:pass@mail.hospital.example:587');
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ SMTP_FROM: 'a@b.c\r\nBcc: x@y.z' })).toThrow(/SMTP_FROM/);
    expect(loadConfig({}).alerts.agentOfflineAfterMs).toBe(300_000);
    expect(loadConfig({ AGENT_OFFLINE_ALERT_AFTER_S: '120' }).alerts.agentOfflineAfterMs).toBe(120_000);
    expect(() => loadConfig({ AGENT_OFFLINE_ALERT_AFTER_S: '10' })).toThrow(/AGENT_OFFLINE_ALERT_AFTER_S/);
  });
});

describe('the test-only clock offset', () => {
  it('TEST_CLOCK_OFFSET_S is taken with NODE_ENV=test only, and is 0 by default', () => {
    expect(loadConfig({}).testClockOffsetMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test', TEST_CLOCK_OFFSET_S: '9000.5' }).testClockOffsetMs).toBe(9_000_500);
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), PUBLIC_ORIGIN: 'https://wakeward.example' };
    expect(() => loadConfig({ ...production, TEST_CLOCK_OFFSET_S: '60' })).toThrow(/TEST_CLOCK_OFFSET_S: only with NODE_ENV=test/);
    expect(() => loadConfig({ NODE_ENV: 'development', TEST_CLOCK_OFFSET_S: '-60' })).toThrow(/TEST_CLOCK_OFFSET_S/);
    expect(() => loadConfig({ NODE_ENV: 'test', TEST_CLOCK_OFFSET_S: 'soon' })).toThrow(/TEST_CLOCK_OFFSET_S/);
  });
});

describe('read replicas in the configuration', () => {
  it('DB_READ_HOSTS: none by default; host or host:port entries, with the primary account unless DB_READ_USER says otherwise', () => {
    expect(loadConfig({}).db.readReplicas).toEqual([]);
    expect(loadConfig({ DB_READ_HOSTS: '' }).db.readReplicas).toEqual([]);
    expect(loadConfig({ DB_PORT: '3307', DB_USER: 'app', DB_PASSWORD: 'pw', DB_READ_HOSTS: 'db-replica-1, 10.0.0.7:3308,[fd00::7]:3309' }).db.readReplicas).toEqual([
      { host: 'db-replica-1', port: 3307, user: 'app', password: 'pw' },
      { host: '10.0.0.7', port: 3308, user: 'app', password: 'pw' },
      { host: 'fd00::7', port: 3309, user: 'app', password: 'pw' },
    ]);
    expect(loadConfig({ DB_READ_HOSTS: 'r1', DB_READ_USER: 'reader', DB_READ_PASSWORD: 'secret' }).db.readReplicas).toEqual([
      { host: 'r1', port: 3306, user: 'reader', password: 'secret' },
    ]);
    for (const bad of ['r1:', 'r1:70000', 'mysql://r1', 'r1;r2', 'r 1']) {
      expect(() => loadConfig({ DB_READ_HOSTS: bad }), bad).toThrow(/DB_READ_HOSTS: host or host:port entries/);
    }
  });
});

describe('the session secret in production', () => {
  it("refuses the deployment examples' placeholders, which are long enough to pass otherwise", () => {
    const production = { NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://wakeward.example' };
    for (const placeholder of ['change-me-to-32-or-more-random-characters', 'replace-me-with-32-or-more-random-characters']) {
      expect(() => loadConfig({ ...production, SESSION_SECRET: placeholder }), placeholder).toThrow(/SESSION_SECRET: still the example placeholder/);
      // Outside production a placeholder is only a demo's secret.
      expect(loadConfig({ SESSION_SECRET: placeholder }).session.secret).toBe(placeholder);
    }
    expect(loadConfig({ ...production, SESSION_SECRET: 'f'.repeat(64) }).session.secret).toBe('f'.repeat(64));
  });
});

describe('the metrics token in production', () => {
  it("refuses the Kubernetes example's placeholder as the session secret's", () => {
    const production = { NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://wakeward.example', SESSION_SECRET: 'f'.repeat(64) };
    for (const placeholder of ['replace-me-with-16-or-more-characters', 'change-me-change-me-please']) {
      expect(() => loadConfig({ ...production, METRICS_TOKEN: placeholder }), placeholder).toThrow(/METRICS_TOKEN: still the example placeholder/);
      expect(loadConfig({ METRICS_TOKEN: placeholder }).http.metricsToken).toBe(placeholder);
    }
    expect(loadConfig({ ...production, METRICS_TOKEN: 'a'.repeat(32) }).http.metricsToken).toBe('a'.repeat(32));
  });
});

describe('how Redis is run, in the configuration', () => {
  it('REDIS_URL alone is one server, keys under REDIS_PREFIX as they always were', () => {
    expect(loadConfig({}).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'wk:', topology: { kind: 'server' } });
  });

  it('Sentinel: the Sentinels and the master group name come together, the Sentinel password only with them', () => {
    expect(loadConfig({ REDIS_SENTINELS: '10.0.0.5:26379, [fd00::6]:26380', REDIS_SENTINEL_NAME: 'wakeward' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'wk:',
      topology: {
        kind: 'sentinel',
        sentinels: [{ host: '10.0.0.5', port: 26379 }, { host: 'fd00::6', port: 26380 }],
        masterName: 'wakeward',
        sentinelPassword: null,
      },
    });
    expect(loadConfig({ REDIS_SENTINELS: 'wakeward_sentinel_1:26379', REDIS_SENTINEL_NAME: 'wk', REDIS_SENTINEL_PASSWORD: 's3cret' }).redis.topology).toMatchObject({
      sentinels: [{ host: 'wakeward_sentinel_1', port: 26379 }],
      sentinelPassword: 's3cret',
    });
    expect(() => loadConfig({ REDIS_SENTINELS: '10.0.0.5:26379' })).toThrow(/REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_SENTINEL_NAME: 'wk' })).toThrow(/REDIS_SENTINELS: required with REDIS_SENTINEL_NAME/);
    expect(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 'x' })).toThrow(/REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS/);
    for (const bad of ['10.0.0.5', '10.0.0.5:0', '10.0.0.5:70000', 'a b:1', ':26379']) {
      expect(() => loadConfig({ REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: 'wk' }), bad).toThrow(/REDIS_SENTINELS: host:port pairs/);
    }
    // docker-compose passes unset variables as "": still one server.
    expect(loadConfig({ REDIS_SENTINELS: '', REDIS_SENTINEL_NAME: '', REDIS_CLUSTER_NODES: '' }).redis.topology).toEqual({ kind: 'server' });
  });

  it('Cluster: every key under one hash tag, database 0 only, not with Sentinel', () => {
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379' }).redis;
    expect(cluster.topology).toEqual({ kind: 'cluster', nodes: [{ host: 'redis-0', port: 6379 }, { host: 'redis-1', port: 6379 }] });
    expect(cluster.prefix).toBe('{wk:}');
    // A prefix that has a hash tag already is kept as it is.
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_PREFIX: 'wakeward:{prod}:' }).redis.prefix).toBe('wakeward:{prod}:');
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_URL: 'redis://redis-0:6379/2' })).toThrow(/REDIS_URL: a Redis Cluster has only database 0/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'wk' })).toThrow(
      /REDIS_CLUSTER_NODES: Sentinel or Cluster, not both/,
    );
  });
});

describe('several API replicas', () => {
  it('SESSION_SECRET: none outside production (the replicas share one through Redis), required in production', () => {
    expect(loadConfig({}).session.secret).toBeNull();
    expect(loadConfig({ SESSION_SECRET: 's'.repeat(32) }).session.secret).toBe('s'.repeat(32));
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET: required with NODE_ENV=production/);
  });

  it('REPLICA_URL is http(s)://host:port without a path; by default where the server listens; intervals for the relay registry', () => {
    expect(loadConfig({}).replica).toEqual({ url: null, heartbeatMs: 10_000, rebalanceIntervalMs: 60_000 });
    expect(loadConfig({ REPLICA_URL: 'http://10.20.0.5:3000/' }).replica.url).toBe('http://10.20.0.5:3000');
    expect(loadConfig({ REPLICA_URL: '' }).replica.url).toBeNull();
    for (const bad of ['10.20.0.5:3000', 'http://10.20.0.5:3000/api', 'ws://10.20.0.5:3000']) {
      expect(() => loadConfig({ REPLICA_URL: bad }), bad).toThrow(/REPLICA_URL: http\(s\):\/\/host:port, no path/);
    }
    expect(loadConfig({ REPLICA_HEARTBEAT_S: '0.2', RELAY_REBALANCE_INTERVAL_S: '0.5' }).replica).toMatchObject({ heartbeatMs: 200, rebalanceIntervalMs: 500 });
    expect(() => loadConfig({ REPLICA_HEARTBEAT_S: '0' })).toThrow(/REPLICA_HEARTBEAT_S/);
  });
});
