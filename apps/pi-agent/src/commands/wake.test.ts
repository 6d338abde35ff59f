import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import { KioskSimulator } from '../sim/kiosks';
import { freePortRange } from '../sim/ports';
import { memoryLogger } from '../../testing/silent-log';
import { createWakeKiosks, wakeDestination } from './wake';

let sim: KioskSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const baseWake = AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1' }).wake;
const policy = { subnets: ['10.1.2.0/24'], ownAddresses: ['10.1.2.5'] };

describe('wake destination', () => {
  it('prefers the configured override, then the broadcast, then unicast', () => {
    const target = { kioskId: 'k1', mac: '00:1a:2b:3c:4d:5e', ip: '10.1.2.17', broadcast: '10.1.2.255' };
    expect(wakeDestination(target, baseWake, policy)).toEqual({ address: '10.1.2.255', port: 9, broadcast: true });
    expect(wakeDestination({ ...target, broadcast: undefined }, baseWake, policy)).toEqual({
      address: '10.1.2.17',
      port: 9,
      broadcast: false,
    });
    expect(wakeDestination({ ...target, wolPort: 7 }, baseWake, policy)).toMatchObject({ port: 7 });
    expect(wakeDestination(target, { ...baseWake, address: '127.0.0.1', portByKiosk: { k1: 40001 } }, policy)).toEqual({
      address: '127.0.0.1',
      port: 40001,
      broadcast: false,
    });
    expect(wakeDestination({ kioskId: 'k2' }, baseWake, policy)).toEqual({
      error: expect.stringMatching(/^WAKE_ADDRESS_MISSING/),
    });
  });

  it.each([
    ['a broadcast of another network', { broadcast: '10.9.9.255' }, /outside the declared subnets/],
    ['the limited broadcast', { broadcast: '255.255.255.255' }, /limited broadcast/],
    ['a loopback unicast', { ip: '127.0.0.1' }, /loopback/],
    ['a multicast group', { ip: '224.0.0.1' }, /multicast/],
    ['the agent itself', { ip: '10.1.2.5' }, /this host/],
    ['a host name', { ip: 'kiosk.example' }, /not an IPv4 address/],
  ])('refuses %s from the API', (_, address, reason) => {
    const outcome = wakeDestination({ kioskId: 'k1', mac: '00:1a:2b:3c:4d:5e', ...address }, baseWake, policy);
    expect(outcome).toEqual({ error: expect.stringMatching(/^WAKE_TARGET_REFUSED/) });
    expect((outcome as { error: string }).error).toMatch(reason);
  });

  it('an agent that declares no subnets sends to no address from the API', () => {
    expect(wakeDestination({ kioskId: 'k1', ip: '10.1.2.17' }, baseWake, { subnets: [] })).toEqual({
      error: expect.stringMatching(/WAKE_TARGET_REFUSED: no subnets are declared/),
    });
  });
});

describe('waking simulated kiosks over loopback UDP', () => {
  it('wakes each kiosk on its own port and reports per-kiosk outcomes', async () => {
    const base = await freePortRange(7);
    sim = new KioskSimulator({
      kiosks: KioskSimulator.kioskSpecs(3),
      udpBasePort: base,
      vncBasePort: base + 3,
      controlPort: base + 6,
      bootDelayMs: 20,
    });
    await sim.start();
    const states = sim.states();
    const wake = createWakeKiosks(
      {
        ...baseWake,
        address: '127.0.0.1',
        repeat: 2,
        intervalMs: 5,
        portByKiosk: Object.fromEntries(states.map((s) => [s.kioskId, s.wolPort])),
      },
      policy,
      memoryLogger(),
    );
    const outcomes = await wake([
      { kioskId: states[0]!.kioskId, mac: states[0]!.mac.toUpperCase().replace(/:/g, '-'), broadcast: '10.1.2.255' },
      { kioskId: states[1]!.kioskId, mac: states[1]!.mac },
      { kioskId: states[2]!.kioskId, mac: 'not-a-mac' },
      { kioskId: 'no-mac' },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, false]);
    expect(outcomes[2]!.error).toMatch(/^MAC_INVALID/);
    expect(outcomes[3]!.error).toMatch(/^MAC_MISSING/);
    await sim.waitForState(states[0]!.kioskId, 'on');
    await sim.waitForState(states[1]!.kioskId, 'on');
    expect(sim.state(states[0]!.kioskId).packetsAccepted).toBe(2);
    expect(sim.state(states[2]!.kioskId).power).toBe('off');
  });
});
