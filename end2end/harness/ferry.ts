import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');

/** A port the kernel says is free right now (asked synchronously from a child node). */
function freePort(): string {
  return execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

/**
 * Chooses the ports and data directory once: Playwright evaluates the config in every worker,
 * and workers inherit the environment of the process that chose them.
 */
function choose() {
  process.env.FERRY_E2E_PORT ??= freePort();
  process.env.FERRY_E2E_BITBUCKET_PORT ??= freePort();
  process.env.FERRY_E2E_SLACK_PORT ??= freePort();
  process.env.FERRY_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'ferry-e2e-'));
}

/** A second API token the sandbox's demo user holds in the browser tests. */
export const REPLACEMENT_TOKEN = 'ATATT-demo-replacement-token';

/** The demo seed, with its OAuth consumer calling back to this run's Ferry. */
export const bitbucketSeed = JSON.parse(readFileSync(join(repoRoot, 'bitbucket-sandbox', 'seed.example.json'), 'utf8'));

/** The Bitbucket sandbox binary on a free port, seeded with the demo account. */
export function bitbucketSandbox() {
  choose();
  const bin = process.env.BITBUCKET_SANDBOX_BIN ?? join(targetDir, 'debug', 'bitbucket-sandbox');
  if (!existsSync(bin)) {
    throw new Error(`BITBUCKET_SANDBOX_BIN: no sandbox binary at ${bin}; build it with \`cargo build -p bitbucket-sandbox\` first`);
  }
  const dataDir = process.env.FERRY_E2E_DATA_DIR!;
  const seedFile = join(dataDir, 'bitbucket-seed.json');
  if (!existsSync(seedFile)) {
    const seed = structuredClone(bitbucketSeed);
    // A second token of the demo user: the browser tests replace one with the other in place.
    seed.users[0].api_tokens.push({ ...seed.users[0].api_tokens[0], token: REPLACEMENT_TOKEN });
    for (const consumer of seed.oauth_consumers) {
      consumer.callback_url = `http://127.0.0.1:${process.env.FERRY_E2E_PORT}/integrations/bitbucket/oauth/callback`;
    }
    writeFileSync(seedFile, JSON.stringify(seed));
    mkdirSync(join(dataDir, 'bitbucket'), { recursive: true });
  }
  const address = `127.0.0.1:${process.env.FERRY_E2E_BITBUCKET_PORT}`;
  return {
    url: `http://${address}`,
    command: `"${bin}" --listen ${address} --data "${join(dataDir, 'bitbucket')}" --seed "${seedFile}"`,
  };
}

/** The Slack-compatible receiver on a free port (the tests add its incoming webhooks). */
export function slackReceiver() {
  choose();
  const bin = process.env.SLACK_RECEIVER_BIN ?? join(targetDir, 'debug', 'slack-receiver');
  if (!existsSync(bin)) {
    throw new Error(`SLACK_RECEIVER_BIN: no receiver binary at ${bin}; build it with \`cargo build -p slack-receiver\` first`);
  }
  const address = `127.0.0.1:${process.env.FERRY_E2E_SLACK_PORT}`;
  return { url: `http://${address}`, command: `"${bin}" --listen ${address}` };
}

export function ferryServer() {
  choose();
  const bin = process.env.FERRY_BIN ?? join(targetDir, 'debug', 'ferry');
  if (!existsSync(bin)) {
    throw new Error(`FERRY_BIN: no server binary at ${bin}; build it with \`scripts/build\` first`);
  }
  const address = `127.0.0.1:${process.env.FERRY_E2E_PORT}`;
  const bitbucket = `http://127.0.0.1:${process.env.FERRY_E2E_BITBUCKET_PORT}`;
  const consumer = bitbucketSeed.oauth_consumers[0];
  return {
    url: `http://${address}`,
    dataDir: process.env.FERRY_E2E_DATA_DIR,
    command: `"${bin}" serve`,
    env: {
      FERRY_DATA_DIR: process.env.FERRY_E2E_DATA_DIR,
      LEPTOS_SITE_ADDR: address,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? join(repoRoot, 'target', 'site'),
      FERRY_BITBUCKET_API_URL: `${bitbucket}/2.0`,
      FERRY_BITBUCKET_URL: bitbucket,
      FERRY_BITBUCKET_OAUTH_KEY: consumer.key,
      FERRY_BITBUCKET_OAUTH_SECRET: consumer.secret,
      // The Slack-compatible receiver listens on this machine, over plain http.
      FERRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1',
      FERRY_WEBHOOK_ALLOW_HTTP: 'true',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    } as Record<string, string>,
  };
}
