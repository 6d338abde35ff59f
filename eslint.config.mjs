import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('.', import.meta.url));
const SOURCE = '{ts,tsx,mts,cts,js,mjs}';
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/*.test.mjs'];

/**
 * Who may import whom (README "Boundaries"). Each boundary is ESLint's own
 * no-restricted-imports under a name of its own (`boundaries/<name>`): flat config
 * keeps one set of options per rule and file, so boundaries whose files overlap (a
 * controller is also a source file that must not import test kits) would otherwise
 * replace each other's patterns. The rule reads the import as written, so a boundary
 * that depends on where a relative path lands is written once per folder depth.
 */
const boundaries = [
  {
    name: 'libs-import-no-app',
    message: 'libs/* import nothing from apps/*: the apps adapt the libraries, never the other way.',
    files: [`libs/**/*.${SOURCE}`],
    patterns: () => ['^(\\.\\./)+apps/', '^@wakeward/(api|web|pi-agent)(/|$)'],
  },
  {
    name: 'common-imports-no-domain',
    message: 'apps/api/src/common imports only common/, config/ and libraries: a domain depends on common, not the reverse.',
    dir: 'apps/api/src/common',
    ignores: TESTS,
    // Climbing to src/ and into anything but common/ or config/.
    patterns: (up) => [`^${up}\\.\\./(?!common/|config/)`],
  },
  {
    name: 'controllers-import-no-repository',
    message: 'A controller translates HTTP to a service call: it imports services, never a repository.',
    files: ['**/*.controller.ts'],
    patterns: () => ['\\.repository(\\.js)?$'],
  },
  {
    name: 'scheduler-only-through-schedule',
    message: 'The API meets libs/scheduler in one place, schedule/ (hospital-schedule.ts): other domains ask it, never the library.',
    files: [`apps/api/src/**/*.${SOURCE}`],
    ignores: [...TESTS, 'apps/api/src/schedule/**'],
    patterns: () => ['^@wakeward/scheduler(/|$)'],
  },
  {
    name: 'no-test-kits-in-src',
    message: 'Test kits (apps/*/testing/) are for tests (*.test.ts) only: they live outside src/ and never ship in dist/.',
    files: [`apps/*/src/**/*.${SOURCE}`],
    ignores: TESTS,
    patterns: () => ['^\\.\\.?/(.*/)?testing(/|$)'],
  },
  {
    name: 'console-imports-no-other-app',
    message: 'The console (apps/web/src) imports nothing from apps/api or apps/pi-agent: it speaks to the API over HTTP only.',
    dir: 'apps/web/src',
    // Out of src/ and apps/web/ (two more levels), or out of apps/ and back in.
    patterns: (up) => [`^${up}\\.\\./\\.\\./(api|pi-agent)(/|$)`, `^${up}\\.\\./\\.\\./\\.\\./apps/(api|pi-agent)(/|$)`, '^@wakeward/(api|pi-agent)(/|$)'],
  },
  {
    name: 'agent-imports-no-api',
    message: 'The Pi agent (apps/pi-agent) imports nothing from apps/api: the two share only @wakeward/agent-protocol.',
    dir: 'apps/pi-agent',
    patterns: (up) => [`^${up}\\.\\./(api)(/|$)`, `^${up}\\.\\./\\.\\./apps/api(/|$)`, '^@wakeward/api(/|$)'],
  },
];

/** Depth of each folder under `dir` (0 for `dir` itself), build output and packages left out. */
function folderDepths(dir, depth = 0, depths = new Set()) {
  depths.add(depth);
  for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') folderDepths(`${dir}/${entry.name}`, depth + 1, depths);
  }
  return [...depths];
}

function boundaryConfigs() {
  const configs = [];
  for (const b of boundaries) {
    const rule = `boundaries/${b.name}`;
    const options = (up) => ['error', { patterns: [{ regex: b.patterns(up).join('|'), message: b.message }] }];
    if (!b.dir) {
      configs.push({ files: b.files, ignores: b.ignores ?? [], rules: { [rule]: options('') } });
      continue;
    }
    for (const depth of folderDepths(b.dir)) {
      configs.push({
        files: [`${b.dir}/${'*/'.repeat(depth)}*.${SOURCE}`],
        ignores: b.ignores ?? [],
        rules: { [rule]: options('\\.\\./'.repeat(depth)) },
      });
    }
  }
  return configs;
}

const noRestrictedImports = builtinRules.get('no-restricted-imports');

export default tseslint.config(
  { ignores: ['**/dist/**', '**/dist-testing/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { boundaries: { rules: Object.fromEntries(boundaries.map((b) => [b.name, noRestrictedImports])) } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaryConfigs(),
);
