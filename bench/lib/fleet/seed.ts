/**
 * The fleet in the bench's own database, inserted directly with multi-row INSERTs:
 * enrolment and the console's kiosk forms are not what is measured.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { KioskSimulator } from '../../../apps/pi-agent/src/sim/kiosks';
import {
  AGENT_PROCESSES,
  AGENTS_PER_SITE,
  INTERVAL_MS,
  KIOSKS,
  KIOSKS_PER_SITE,
  LOOPBACK,
  REAL_SITES,
  REPEAT,
  SITES,
  ZONE,
} from './settings';

export interface AgentSpec {
  index: number;
  name: string;
  token: string;
  site: number;
  kioskIds: string[];
  /** The simulated agents' host process (0-based), or 'real': a wakeward-agent process of its own. */
  host: number | 'real';
}

export interface SeededFleet {
  hospitalId: string;
  /** Kiosk k's MAC (KioskSimulator.macFor(k)); kiosk k is in site floor(k / KIOSKS_PER_SITE). */
  macs: string[];
  agents: AgentSpec[];
  /** The ops account 'bench-ops' that posts the rule. */
  password: string;
}

type Db = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

async function insert(db: Db, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`,
      chunk.flat(),
    );
  }
}

/**
 * One hospital of SITES sites of KIOSKS_PER_SITE kiosks, two agents per site (one at
 * a real agent's site) whose token hashes are stored as enrolment would, and one ops
 * account. Kiosks have no IP and no subnet: nothing in the database names a real network.
 */
export async function seedFleet(db: Db, hashPassword: (p: string) => Promise<string>): Promise<SeededFleet> {
  const now = new Date();
  const hospitalId = randomUUID();
  await db.query(
    `INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'BENCH', 'Bench hospital', ?, ?)`,
    [hospitalId, now, now],
  );
  const siteIds = Array.from({ length: SITES }, () => randomUUID());
  await insert(
    db,
    'sites',
    ['id', 'hospital_id', 'name', 'time_zone', 'created_at', 'updated_at'],
    siteIds.map((id, s) => [id, hospitalId, `Site ${s + 1}`, ZONE, now, now]),
  );
  const macs: string[] = [];
  const kioskIds: string[] = [];
  const kioskRows: unknown[][] = [];
  for (let k = 0; k < KIOSKS; k++) {
    const id = randomUUID();
    const mac = KioskSimulator.macFor(k);
    const s = Math.floor(k / KIOSKS_PER_SITE);
    macs.push(mac);
    kioskIds.push(id);
    kioskRows.push([
      id,
      hospitalId,
      siteIds[s],
      `S${s + 1}-K${(k % KIOSKS_PER_SITE) + 1}`,
      `Kiosk ${k + 1}`,
      'registration',
      '',
      null,
      mac,
      null,
      5900,
      null,
      now,
      now,
    ]);
  }
  await insert(
    db,
    'kiosks',
    [
      'id',
      'hospital_id',
      'site_id',
      'code',
      'name',
      'kind',
      'location',
      'ip',
      'mac',
      'subnet',
      'vnc_port',
      'shutdown_method',
      'created_at',
      'updated_at',
    ],
    kioskRows,
  );
  const suffix = randomBytes(6).toString('hex');
  const agents: AgentSpec[] = [];
  const agentRows: unknown[][] = [];
  for (let s = 0; s < SITES; s++) {
    const real = REAL_SITES.has(s);
    for (let p = 0; p < (real ? 1 : AGENTS_PER_SITE); p++) {
      const index = agents.length;
      const token = `bench-${suffix}-${index}`;
      const name = `pi-${p + 1}`;
      // pi-1s and pi-2s in different processes: a site's two copies of a packet are not
      // sent by one event loop.
      const host = real ? 'real' : p + AGENTS_PER_SITE * (s % (AGENT_PROCESSES / AGENTS_PER_SITE));
      agents.push({
        index,
        name,
        token,
        site: s,
        kioskIds: kioskIds.slice(s * KIOSKS_PER_SITE, (s + 1) * KIOSKS_PER_SITE),
        host,
      });
      agentRows.push([
        randomUUID(),
        siteIds[s],
        name,
        '',
        '[]',
        createHash('sha256').update(token, 'utf8').digest('hex'),
        now,
        now,
      ]);
    }
  }
  await insert(
    db,
    'agents',
    ['id', 'site_id', 'name', 'location', 'subnets', 'token_hash', 'created_at', 'updated_at'],
    agentRows,
  );
  const password = randomBytes(12).toString('base64url');
  await db.query(
    `INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, 'bench-ops', 'Bench', ?, 'ops', 0, ?, ?)`,
    [randomUUID(), await hashPassword(password), now, now],
  );
  return { hospitalId, macs, agents, password };
}

/**
 * An agent's settings, the same for a simulated agent and a real one: every magic
 * packet and probe to loopback (its site's receiver port), the agent's default wake
 * (REPEAT x INTERVAL_MS), no relay, probes and readings hourly so that nothing but the
 * instant's wake and the agents' long polls and heartbeats runs during the bench.
 */
export function agentSettings(spec: AgentSpec, basePort: number): Record<string, unknown> {
  const port = basePort + spec.site;
  return {
    name: spec.name,
    subnets: [],
    sensors: { kind: 'simulated', simulated: { seed: spec.index } },
    // Network safety: every packet and probe goes to loopback.
    wake: {
      address: LOOPBACK,
      repeat: REPEAT,
      intervalMs: INTERVAL_MS,
      portByKiosk: Object.fromEntries(spec.kioskIds.map((k) => [k, port])),
    },
    probe: { address: LOOPBACK, intervalS: 3600, snapshotIntervalS: 3600 },
    readings: { intervalS: 3600 },
    relay: { enabled: false },
  };
}
