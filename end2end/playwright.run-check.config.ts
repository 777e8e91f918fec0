import { defineConfig, devices } from '@playwright/test';

// `scripts/run --check`: the app `scripts/run` built and started (release build, demo sandbox),
// driven in Chromium. The script starts and stops the servers; this config starts none.
export default defineConfig({
  testDir: './run-check',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results/run-check',
  use: {
    baseURL: process.env.FERRY_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
