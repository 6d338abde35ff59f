import { DateTime } from 'luxon';
import { enrolAgent, type AgentClient } from './agent-kit';
import { kioskBody, seedTwoHospitals } from './fixtures';
import type { TestApi } from './test-app';

/**
 * The path through Redis that matters most, end to end on a real API (ROLE=all)
 * with DISPATCH_LEAD_S=600: ops logs in (a session), adds a kiosk, enrols an agent
 * (which sends a heartbeat) and gives the kiosk a window starting in a few minutes; the worker plans the site
 * (a BullMQ job), runs the transition at once (inside the lead) and the agent's long
 * poll receives the wake. Returns the hospital, the kiosk, the agent and the command it got.
 */
export async function wakeThroughQueue(api: TestApi): Promise<{ hospitalId: string; kioskId: string; agent: AgentClient; command: { id: string; type: string; targets: { kioskId: string }[] } }> {
  const ids = await seedTwoHospitals(api.db);
  // A fixed-offset zone in which it is about 02:00, so the window fits one local date whatever the hour of the run.
  const utcHour = new Date().getUTCHours();
  let shift = (((2 - utcHour) % 24) + 24) % 24;
  if (shift > 14) shift -= 24;
  const zone = shift === 0 ? 'Etc/GMT' : `Etc/GMT${shift > 0 ? '-' : '+'}${Math.abs(shift)}`;
  await api.db.query('UPDATE sites SET time_zone = ? WHERE id = ?', [zone, ids.siteA]);

  const ops = await api.login('ops');
  const kiosk = await ops.post('/api/kiosks', kioskBody(ids.siteA, 1));
  if (kiosk.status !== 201) throw new Error(`kiosk: ${kiosk.status} ${kiosk.text}`);
  const agent = await enrolAgent(ops, ids.siteA, 'pi-1');
  // Commands go to online agents only.
  const heartbeat = await agent.client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 });
  if (heartbeat.status !== 200) throw new Error(`heartbeat: ${heartbeat.status} ${heartbeat.text}`);
  const start = DateTime.now().setZone(zone).plus({ minutes: 3 }).startOf('minute');
  const rule = await ops.post('/api/rules', {
    hospitalId: ids.hospitalA,
    name: 'Early opening',
    scope: { kind: 'kiosks', kioskIds: [kiosk.body.id] },
    layer: 'override',
    from: start.toISODate(),
    until: start.toISODate(),
    windows: [{ start: start.toFormat('HH:mm'), end: start.plus({ minutes: 30 }).toFormat('HH:mm') }],
  });
  if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${rule.text}`);

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const polled = await agent.client.get<{ commands: { id: string; type: string; targets: { kioskId: string }[] }[] }>('/commands?wait=5');
    if (polled.status !== 200) throw new Error(`poll: ${polled.status} ${polled.text}`);
    const wake = polled.body.commands.find((c) => c.type === 'wake' && c.targets.some((t) => t.kioskId === kiosk.body.id));
    if (wake) return { hospitalId: ids.hospitalA, kioskId: kiosk.body.id, agent: agent.client, command: wake };
  }
  throw new Error('the agent received no wake within 30 s');
}
