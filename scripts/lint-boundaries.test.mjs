// The import boundaries of eslint.config.mjs (README "Boundaries"), each shown to
// refuse an import that crosses it and to accept one that does not, through ESLint's
// own Node API and the repository's real configuration.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
let eslint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The boundaries (`boundaries/<name>`) that refuse `from` in the file `filePath`. */
async function refusedBy(filePath, from) {
  const [result] = await eslint.lintText(`import { x } from '${from}';\nexport { x };\n`, { filePath: `${root}${filePath}` });
  return result.messages.filter((m) => m.ruleId?.startsWith('boundaries/')).map((m) => m.ruleId);
}

const cases = [
  {
    boundary: 'libs-import-no-app',
    refused: [
      ['libs/scheduler/src/resolve.ts', '../../../apps/api/src/config/config'],
      ['libs/wol/src/send.ts', '@wakeward/api'],
    ],
    accepted: [
      ['libs/scheduler/src/resolve.ts', './local-time'],
      ['libs/agent-protocol/src/index.ts', '@wakeward/wol'],
    ],
  },
  {
    boundary: 'common-imports-no-domain',
    refused: [
      ['apps/api/src/common/access.ts', '../users/user.entity'],
      ['apps/api/src/common/errors.ts', '../app.module'],
    ],
    accepted: [
      ['apps/api/src/common/access.ts', '../config/config'],
      ['apps/api/src/common/access.ts', './errors'],
      ['apps/api/src/common/access.ts', 'zod'],
      // Its tests stand on the shared test kits like every other test.
      ['apps/api/src/common/access.e2e.test.ts', '../../testing/test-app'],
    ],
  },
  {
    boundary: 'controllers-import-no-repository',
    refused: [['apps/api/src/kiosks/kiosks.controller.ts', './kiosks.repository']],
    accepted: [
      ['apps/api/src/kiosks/kiosks.controller.ts', './kiosks.service'],
      ['apps/api/src/kiosks/kiosks.service.ts', './kiosks.repository'],
    ],
  },
  {
    boundary: 'scheduler-only-through-schedule',
    refused: [
      ['apps/api/src/dispatch/planner.service.ts', '@wakeward/scheduler'],
      ['apps/api/src/fleet/fleet.service.ts', '@wakeward/scheduler'],
    ],
    accepted: [
      ['apps/api/src/schedule/hospital-schedule.ts', '@wakeward/scheduler'],
      ['apps/api/src/dispatch/planner.service.ts', '../schedule/hospital-schedule'],
    ],
  },
  {
    boundary: 'no-test-kits-in-src',
    refused: [
      ['apps/api/src/kiosks/kiosks.service.ts', '../../testing/test-app'],
      ['apps/api/src/remote/remote.service.ts', '../../testing/remote/vnc-kiosk'],
      ['apps/api/src/dispatch/dispatch.worker.ts', '../../testing/agent-kit'],
      ['apps/pi-agent/src/agent.ts', '../testing/fake-agent-api'],
    ],
    accepted: [
      ['apps/api/src/kiosks/kiosks.e2e.test.ts', '../../testing/test-app'],
      // The kits live outside src/ (apps/api/testing/) and may use each other and the API.
      ['apps/api/testing/test-app.ts', './fixtures'],
      ['apps/api/testing/telemetry-kit.ts', '../src/telemetry/readings.repository'],
      ['apps/api/src/kiosks/kiosks.module.ts', '@nestjs/testing'],
    ],
  },
  {
    boundary: 'console-imports-no-other-app',
    refused: [
      ['apps/web/src/pages/FleetPage.tsx', '../../../api/src/fleet/fleet-overview'],
      ['apps/web/src/main.tsx', '../../pi-agent/src/protocol'],
      ['apps/web/src/api/client.ts', '@wakeward/api'],
    ],
    accepted: [
      // The console's own typed client lives in src/api/.
      ['apps/web/src/pages/FleetPage.tsx', '../api/client'],
      ['apps/web/src/main.tsx', './api/client'],
    ],
  },
  {
    boundary: 'agent-imports-no-api',
    refused: [
      ['apps/pi-agent/src/client.ts', '../../api/src/agent-protocol/agent-command'],
      ['apps/pi-agent/src/relay/relay-channel.ts', '../../../api/src/remote/agent-relay.hub'],
      ['apps/pi-agent/src/agent.test.ts', '../../api/testing/test-app'],
    ],
    accepted: [
      ['apps/pi-agent/src/client.ts', '@wakeward/agent-protocol'],
      ['apps/pi-agent/src/relay/relay-channel.ts', '../client'],
    ],
  },
];

describe('import boundaries', () => {
  for (const { boundary, refused, accepted } of cases) {
    it(`${boundary}: refuses what crosses it, accepts what does not`, async () => {
      for (const [file, from] of refused) {
        expect(await refusedBy(file, from), `${file} importing ${from}`).toContain(`boundaries/${boundary}`);
      }
      for (const [file, from] of accepted) {
        expect(await refusedBy(file, from), `${file} importing ${from}`).toEqual([]);
      }
    });
  }

  it('boundaries that share a file each hold: a controller importing a test kit and a repository is refused by both', async () => {
    const [result] = await eslint.lintText(
      `import { a } from './kiosks.repository';\nimport { b } from '../../testing/test-app';\nexport { a, b };\n`,
      { filePath: `${root}apps/api/src/kiosks/kiosks.controller.ts` },
    );
    expect(result.messages.map((m) => m.ruleId).sort()).toEqual(['boundaries/controllers-import-no-repository', 'boundaries/no-test-kits-in-src']);
  });
});
