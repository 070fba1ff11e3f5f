import { defineConfig } from 'vitest/config';

// One project per test tier. The kernel and e2e tiers run inside the kernel
// lab (test/kernel/run-in-uml.sh), where there is one CPU: their files run one
// after another.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Timing assertions (detection, timeouts) and the benchmark smoke
          // test must not compete for the CPU.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // Seeded mutated configurations and API requests for a bounded time
          // ($ANYCASTD_FUZZ_SECONDS a part), on the host.
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/kernel/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/kernel/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          // The Debian package file scripts/release builds, on the host.
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
        },
      },
      {
        test: {
          // That package installed in the kernel lab, with systemd as PID 1.
          name: 'installed',
          include: ['test/installed/**/*.test.ts', 'test/e2e/cli-commands.test.ts'],
          environment: 'node',
          globalSetup: ['test/installed/global-setup.ts'],
          // cli-commands.test.ts runs every command of this program rather than dist/main.js.
          env: { ANYCASTD_BIN: '/usr/bin/anycastd' },
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
