import { createHash } from 'node:crypto';
import { DataSource, EntityTarget, In, Like, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Agent } from '../agents/agent.entity';
import type { Role } from '../common/roles';
import { Hospital } from '../hospitals/hospital.entity';
import { Kiosk, KioskKind } from '../kiosks/kiosk.entity';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { Site } from '../sites/site.entity';
import { hashPassword } from '../users/passwords';
import { User, UserHospital } from '../users/user.entity';

export const DEMO_PASSWORD = 'demo-password';

/** Stable ids from names, so loading twice inserts nothing new. */
export function demoId(name: string): string {
  const h = createHash('sha256').update(`wakeward-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface DemoSite {
  key: string;
  name: string;
  timeZone: string;
  kiosks: number;
  octet: number;
}
interface DemoHospital {
  code: string;
  name: string;
  sites: DemoSite[];
}

/** Fictional hospitals: two in Beijing, one with a London campus so daylight saving is exercised. */
export const DEMO_HOSPITALS: DemoHospital[] = [
  {
    code: 'BJRS',
    name: 'Beijing Riverside Hospital',
    sites: [
      { key: 'BJRS-MAIN', name: 'Main campus', timeZone: 'Asia/Shanghai', kiosks: 90, octet: 10 },
      { key: 'BJRS-EAST', name: 'East campus', timeZone: 'Asia/Shanghai', kiosks: 50, octet: 11 },
    ],
  },
  {
    code: 'BJWH',
    name: 'Beijing West Hills Hospital',
    sites: [
      { key: 'BJWH-MAIN', name: 'Main campus', timeZone: 'Asia/Shanghai', kiosks: 70, octet: 20 },
      { key: 'BJWH-CHILD', name: "Children's centre", timeZone: 'Asia/Shanghai', kiosks: 40, octet: 21 },
    ],
  },
  {
    code: 'LDHG',
    name: 'Harbour General Hospital (London)',
    sites: [{ key: 'LDHG-MAIN', name: 'Harbour campus', timeZone: 'Europe/London', kiosks: 50, octet: 30 }],
  },
];

const AREAS: { prefix: string; kind: KioskKind; where: string }[] = [
  { prefix: 'MZ', kind: 'registration', where: 'Outpatient hall' },
  { prefix: 'SF', kind: 'payment', where: 'Payment counter' },
  { prefix: 'BG', kind: 'report-printer', where: 'Report pick-up' },
  { prefix: 'JZ', kind: 'self-service', where: 'Emergency department' },
  { prefix: 'ZY', kind: 'information', where: 'Inpatient building' },
];

const DEMO_USERS: { username: string; role: Role; display: string; hospitals: string[] }[] = [
  { username: 'admin', role: 'admin', display: 'Demo administrator', hospitals: [] },
  { username: 'ops', role: 'ops', display: 'Operations on call', hospitals: [] },
  { username: 'staff-a', role: 'staff', display: 'Staff, Beijing Riverside', hospitals: ['BJRS'] },
  { username: 'staff-b', role: 'staff', display: 'Staff, Beijing West Hills', hospitals: ['BJWH'] },
  { username: 'viewer', role: 'viewer', display: 'Read-only viewer', hospitals: [] },
];

/** Every demo kiosk in a stable order; the simulators use the same list. */
export function demoKiosks(): (Omit<Kiosk, 'createdAt' | 'updatedAt' | 'stampInsert' | 'stampUpdate'>)[] {
  const kiosks = [];
  let macSerial = 0;
  for (const h of DEMO_HOSPITALS) {
    for (const s of h.sites) {
      for (let i = 0; i < s.kiosks; i++) {
        const area = AREAS[i % AREAS.length];
        const floor = 1 + (Math.floor(i / AREAS.length) % 4);
        const number = Math.floor(i / (AREAS.length * 4)) + 1;
        const code = `${area.prefix}-${floor}F-${String(number).padStart(2, '0')}`;
        macSerial++;
        const vlan = 1 + (i % 2);
        kiosks.push({
          id: demoId(`kiosk:${s.key}:${code}`),
          hospitalId: demoId(`hospital:${h.code}`),
          siteId: demoId(`site:${s.key}`),
          code: s.key.endsWith('MAIN') ? code : `${s.key.split('-')[1].slice(0, 1)}-${code}`,
          name: `${area.where} ${floor}F #${number}`,
          kind: area.kind,
          location: `${area.where}, floor ${floor}`,
          notes: '',
          ip: demoKioskIp(s, vlan, i),
          mac: `02:57:4b:${hex(s.octet)}:${hex(macSerial >> 8)}:${hex(macSerial & 0xff)}`,
          subnet: demoVlan(s, vlan),
          vncPort: 5900,
          // The simulated agents define it (apps/pi-agent/src/sim/kiosks.ts): a POST to the kiosk simulator.
          shutdownMethod: 'simulated',
        });
      }
    }
  }
  return kiosks;
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

/**
 * Demo kiosks live on loopback (README "Network safety"): any 127.0.0.0/8 address is
 * this machine's on Linux, so each simulated kiosk listens on its own address and
 * opening its screen connects to nothing but this machine.
 */
const demoKioskIp = (s: DemoSite, vlan: number, i: number) => `127.${s.octet}.${vlan}.${10 + i}`;
const demoVlan = (s: DemoSite, vlan: number) => `127.${s.octet}.${vlan}.0/24`;
/** What demo databases loaded before the demo moved to loopback hold instead. */
const oldDemoVlan = (s: DemoSite, vlan: number) => `10.${s.octet}.${vlan}.0/24`;

/** A site's two kiosk VLANs (kiosks alternate between them; each agent serves one). */
function demoVlans(s: DemoSite): string[] {
  return [demoVlan(s, 1), demoVlan(s, 2)];
}

/** Demo agent n's VLAN: pi-1 and pi-3 serve the first, pi-2 and pi-4 the second. */
const agentVlan = (n: number) => 1 + ((n - 1) % 2);

/** Every demo site with its declared subnets. */
export function demoSites() {
  return DEMO_HOSPITALS.flatMap((h) =>
    h.sites.map((s) => ({ id: demoId(`site:${s.key}`), hospitalId: demoId(`hospital:${h.code}`), name: s.name, timeZone: s.timeZone, subnets: demoVlans(s) })),
  );
}

/** Every demo agent (as registered: no token until one enrols) with its declared subnets. */
export function demoAgents() {
  return DEMO_HOSPITALS.flatMap((h) =>
    h.sites.flatMap((s) =>
      [1, 2, 3, 4].map((n) => ({
        id: demoId(`agent:${s.key}:${n}`),
        siteId: demoId(`site:${s.key}`),
        name: `pi-${n}`,
        location: n % 2 ? 'Network room, ground floor' : 'Outpatient hall ceiling box',
        subnets: [demoVlan(s, agentVlan(n))],
        tokenHash: null,
        tokenRevokedAt: null,
        hostname: null,
        version: null,
        lastHeartbeatAt: null,
        clockSkewMs: null,
      })),
    ),
  );
}

/**
 * Demo rows loaded before the demo moved to loopback still hold 10.x addresses (loading
 * skips existing rows): move them, and only them, so a row someone edited stays as is.
 */
async function moveOldDemoAddresses(ds: DataSource): Promise<number> {
  let moved = 0;
  for (const h of DEMO_HOSPITALS) {
    for (const s of h.sites) {
      const site = await ds.getRepository(Site).findOneBy({ id: demoId(`site:${s.key}`) });
      if (site && sameList(site.subnets, [oldDemoVlan(s, 1), oldDemoVlan(s, 2)])) {
        await ds.getRepository(Site).update(site.id, { subnets: demoVlans(s), updatedAt: new Date() });
        moved++;
      }
      for (const n of [1, 2, 3, 4]) {
        const agent = await ds.getRepository(Agent).findOneBy({ id: demoId(`agent:${s.key}:${n}`) });
        if (agent && sameList(agent.subnets, [oldDemoVlan(s, agentVlan(n))])) {
          await ds.getRepository(Agent).update(agent.id, { subnets: [demoVlan(s, agentVlan(n))], updatedAt: new Date() });
          moved++;
        }
      }
    }
  }
  const kiosks = new Map(demoKiosks().map((k) => [k.id, k]));
  const oldKiosks = await ds.getRepository(Kiosk).find({ select: { id: true, ip: true }, where: { id: In([...kiosks.keys()]), ip: Like('10.%') } });
  for (const { id, ip } of oldKiosks) {
    const k = kiosks.get(id)!;
    if (ip !== k.ip!.replace(/^127\./, '10.')) continue;
    await ds.getRepository(Kiosk).update(id, { ip: k.ip, subnet: k.subnet, updatedAt: new Date() });
    moved++;
  }
  return moved;
}

const sameList = (a: readonly string[] | null, b: readonly string[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

export async function loadDemoData(ds: DataSource): Promise<string> {
  const now = new Date();
  const stamped = <T extends object>(row: T) => ({ ...row, createdAt: now, updatedAt: now });
  let inserted = 0;
  let moved = 0;
  const insert = async <T extends ObjectLiteral>(entity: EntityTarget<T>, rows: object[]) => {
    for (let i = 0; i < rows.length; i += 200) {
      const result = await ds
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(rows.slice(i, i + 200) as QueryDeepPartialEntity<T>[])
        .orIgnore()
        .execute();
      inserted += result.raw?.affectedRows ?? 0;
    }
  };

  await ds.transaction(async () => {
    await insert(Hospital, DEMO_HOSPITALS.map((h) => stamped({ id: demoId(`hospital:${h.code}`), code: h.code, name: h.name })));
    await insert(Site, demoSites().map(stamped));
    await insert(Agent, demoAgents().map(stamped));
    const kiosks = demoKiosks();
    await insert(Kiosk, kiosks.map(stamped));
    await insert(PowerRuleRecord, demoRules(kiosks).map(stamped));
    moved = await moveOldDemoAddresses(ds);
  });

  const hash = await hashPassword(DEMO_PASSWORD);
  await insert(
    User,
    DEMO_USERS.map((u) =>
      stamped({ id: demoId(`user:${u.username}`), username: u.username, displayName: u.display, passwordHash: hash, role: u.role, disabled: false, lastLoginAt: null }),
    ),
  );
  await insert(
    UserHospital,
    DEMO_USERS.flatMap((u) => u.hospitals.map((code) => ({ userId: demoId(`user:${u.username}`), hospitalId: demoId(`hospital:${code}`) }))),
  );
  const movedNote = moved ? `, ${moved} rows moved from 10.x to loopback addresses` : '';
  return inserted || moved ? `demo data: ${inserted} rows inserted${movedNote}` : 'demo data: already loaded, nothing changed';
}

function demoRules(kiosks: ReturnType<typeof demoKiosks>) {
  const rule = (key: string, hospitalCode: string, r: Partial<PowerRuleRecord>) => ({
    id: demoId(`rule:${key}`),
    hospitalId: demoId(`hospital:${hospitalCode}`),
    siteId: null,
    kioskIds: null,
    days: null,
    fromDate: null,
    untilDate: null,
    priority: 0,
    ...r,
  });
  const rules = [];
  for (const code of ['BJRS', 'BJWH']) {
    rules.push(
      rule(`${code}:weekdays`, code, { name: 'Weekday hours', scopeKind: 'hospital', layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }] }),
      rule(`${code}:weekend`, code, { name: 'Weekend hours', scopeKind: 'hospital', layer: 'regular', days: [6, 7], windows: [{ start: '08:00', end: '17:00' }] }),
      // Spring Festival 2027 (6-12 February): everything off except two registration kiosks.
      rule(`${code}:spring-festival`, code, { name: 'Spring Festival 2027', scopeKind: 'hospital', layer: 'override', fromDate: '2027-02-06', untilDate: '2027-02-12', windows: [] }),
    );
    const hospitalKiosks = kiosks.filter((k) => k.hospitalId === demoId(`hospital:${code}`));
    const festivalDuty = hospitalKiosks.filter((k) => k.kind === 'registration').slice(0, 2).map((k) => k.id);
    rules.push(
      rule(`${code}:spring-festival-duty`, code, { name: 'Spring Festival duty kiosks', scopeKind: 'kiosks', kioskIds: festivalDuty, layer: 'override', fromDate: '2027-02-06', untilDate: '2027-02-12', windows: [{ start: '08:00', end: '16:00' }] }),
    );
    // Emergency department kiosks run around the clock.
    const emergency = hospitalKiosks.filter((k) => k.code.includes('JZ-')).map((k) => k.id);
    rules.push(rule(`${code}:emergency`, code, { name: 'Emergency department 24/7', scopeKind: 'kiosks', kioskIds: emergency, layer: 'regular', windows: [{ start: '00:00', end: '24:00' }] }));
  }
  rules.push(
    rule('LDHG:weekdays', 'LDHG', { name: 'Weekday hours', scopeKind: 'site', siteId: demoId('site:LDHG-MAIN'), layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:30', end: '19:00' }] }),
    rule('LDHG:saturday', 'LDHG', { name: 'Saturday clinic', scopeKind: 'site', siteId: demoId('site:LDHG-MAIN'), layer: 'regular', days: [6], windows: [{ start: '09:00', end: '13:00' }] }),
  );
  return rules;
}
