import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

/** A port the kernel says is free right now (asked synchronously from a child node). */
function freePort(): string {
  return execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

/**
 * Chooses the port and data directory once: Playwright evaluates the config in every worker,
 * and workers inherit the environment of the process that chose them.
 */
export function ferryServer() {
  process.env.FERRY_E2E_PORT ??= freePort();
  process.env.FERRY_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'ferry-e2e-'));
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
  const bin = process.env.FERRY_BIN ?? join(targetDir, 'debug', 'ferry');
  if (!existsSync(bin)) {
    throw new Error(`FERRY_BIN: no server binary at ${bin}; build it with \`cargo leptos build\` first`);
  }
  const address = `127.0.0.1:${process.env.FERRY_E2E_PORT}`;
  return {
    url: `http://${address}`,
    dataDir: process.env.FERRY_E2E_DATA_DIR,
    command: `"${bin}" serve`,
    env: {
      FERRY_DATA_DIR: process.env.FERRY_E2E_DATA_DIR,
      LEPTOS_SITE_ADDR: address,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? join(repoRoot, 'target', 'site'),
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    } as Record<string, string>,
  };
}
