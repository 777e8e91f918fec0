import { defineConfig, devices } from '@playwright/test';
import { bitbucketSandbox, ferryServer, slackReceiver } from './harness/ferry';

// The harness starts the Bitbucket sandbox (demo seed), the Slack-compatible receiver and the
// real `ferry` binary pointed at them, each on a free port, with a fresh SQLite database.
const sandbox = bitbucketSandbox();
const slack = slackReceiver();
const ferry = ferryServer();

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  globalTeardown: './harness/teardown.ts',
  use: {
    baseURL: ferry.url,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      command: sandbox.command,
      url: `${sandbox.url}/2.0/user`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      command: slack.command,
      url: `${slack.url}/_control/messages`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      command: ferry.command,
      env: ferry.env,
      url: `${ferry.url}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
