import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace libraries resolve to their sources in tests, so no build is needed first.
const alias = {
  '@wakeward/agent-protocol': here('./libs/agent-protocol/src/index.ts'),
  '@wakeward/scheduler': here('./libs/scheduler/src/index.ts'),
  '@wakeward/wol': here('./libs/wol/src/index.ts'),
};

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      { resolve: { alias }, test: { name: 'scheduler', root: here('./libs/scheduler'), include: ['src/**/*.test.ts'] } },
      { resolve: { alias }, test: { name: 'wol', root: here('./libs/wol'), include: ['src/**/*.test.ts'] } },
      { test: { name: 'scripts', root: here('./scripts'), include: ['*.test.mjs'] } },
      {
        resolve: { alias },
        test: { name: 'agent-protocol', root: here('./libs/agent-protocol'), include: ['src/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        test: {
          name: 'pi-agent',
          root: here('./apps/pi-agent'),
          include: ['src/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // NestJS needs decorator metadata, which esbuild does not emit: SWC does.
        plugins: [swc.vite({ module: { type: 'es6' } })],
        resolve: { alias },
        test: {
          name: 'api',
          root: here('./apps/api'),
          include: ['src/**/*.test.ts', '../../migrations/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The console in headless Chromium against the real API (which needs SWC, as above).
        plugins: [swc.vite({ module: { type: 'es6' } })],
        resolve: { alias },
        test: {
          name: 'web',
          root: here('./apps/web'),
          include: ['e2e/**/*.e2e.test.ts', 'src/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
