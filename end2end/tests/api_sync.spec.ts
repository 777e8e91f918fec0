import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { bitbucketSeed } from '../harness/ferry';
import { signUp, uniqueEmail } from './helpers';

// API sync seen from the outside: an API connected to a branch of the sandbox's demo
// repository; an edit in Ferry committed and pushed from the Repository tab; a commit pushed
// with real `git` pulled into Ferry; a change of the same line on both sides kept as a
// conflict until Keep Ferry's, then pushed.

const demo = bitbucketSeed.users[0];
const WORKSPACE = 'demo';
const REPOSITORY = 'api-collections';
const BRANCH = 'main';

function remote() {
  const password = encodeURIComponent(demo.app_passwords[0].password);
  return `http://${demo.username}:${password}@127.0.0.1:${process.env.FERRY_E2E_BITBUCKET_PORT}/${WORKSPACE}/${REPOSITORY}.git`;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=Grace Git', '-c', 'user.email=grace@example.com', ...args], {
    stdio: 'pipe',
  }).toString();
}

/** Clones the branch, lets `change` rewrite `path`, commits and pushes; answers the new text. */
function pushWithGit(path: string, change: (text: string) => string, message: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-api-sync-'));
  try {
    execFileSync('git', ['clone', '--quiet', '--branch', BRANCH, remote(), dir], { stdio: 'pipe' });
    const text = change(readFileSync(join(dir, path), 'utf8'));
    writeFileSync(join(dir, path), text);
    git(dir, 'commit', '--quiet', '-am', message);
    git(dir, 'push', '--quiet', 'origin', BRANCH);
    return text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The file as the branch holds it now. */
function inRepository(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-api-sync-'));
  try {
    execFileSync('git', ['clone', '--quiet', '--branch', BRANCH, remote(), dir], { stdio: 'pipe' });
    return readFileSync(join(dir, path), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tab(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'API' }).getByRole('link', { name, exact: true }).click();
}

/** Fills Authenticate with the demo account's API token and proceeds. */
async function authenticateDemo(page: Page) {
  await page.getByLabel('Email', { exact: true }).fill(demo.email);
  await page.getByLabel('API token', { exact: true }).fill(demo.api_tokens[0].token);
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
}

/** Signs up (connecting the demo Bitbucket account through Add Integration first, when
 * `account` says so) and creates an API; ends on its overview. */
async function signUpWithApi(page: Page, who: string, apiName: string, account: 'add-integration' | 'none') {
  await signUp(page, uniqueEmail(who));
  if (account === 'add-integration') {
    await page.goto('/integrations/bitbucket/new');
    await authenticateDemo(page);
    await expect(page).toHaveURL(/\/integrations\/bitbucket\/new\/configure/);
  }
  await page.goto('/apis');
  await page.getByLabel('Name', { exact: true }).fill(apiName);
  await page.getByRole('button', { name: 'Create API' }).click();
  await expect(page.getByTestId('api-name')).toContainText(apiName);
}

/** On the Repository tab with no account yet: Connect a Bitbucket account → Authenticate →
 * back on the tab with the account chosen and its repositories listed. */
async function authenticateFromConnectForm(page: Page) {
  await tab(page, 'Repository');
  await page.getByTestId('no-accounts').getByRole('link', { name: 'Connect a Bitbucket account' }).click();
  await expect(page.getByTestId('for-api')).toBeVisible();
  await authenticateDemo(page);
  await expect(page).toHaveURL(/\/apis\/[^/]+\/repository\?accountId=/);
  await expect(page.getByRole('status')).toContainText('Now choose the repository to connect this API to.');
}

/** Chooses the demo account on the Repository tab and lists what it reaches. */
async function chooseAccount(page: Page) {
  await tab(page, 'Repository');
  await page.reload(); // the form as the server renders it (and, with JavaScript, hydrates)
  await page.getByLabel('Account', { exact: true }).selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Choose the repository' }).click();
}

/** Connects the API, its lists loaded, to the demo repository, the definition at `path`. */
async function connect(page: Page, path: string) {
  await expect(page.getByTestId('sync-intro')).toBeVisible();
  await page.getByLabel('Workspace').selectOption(WORKSPACE);
  await page.getByLabel('Repository', { exact: true }).selectOption(REPOSITORY);
  // The branches listed are the chosen repository's.
  await page.getByRole('button', { name: 'Load the lists again' }).click();
  await expect(page.getByLabel('Repository', { exact: true })).toHaveValue(REPOSITORY);
  await expect(page.getByLabel('Branch', { exact: true })).toHaveValue(BRANCH);
  await page.getByLabel('Definition path').fill(path);
  await page.getByTestId('connect-form').screenshot({ path: `test-results/api-sync-connect-${test.info().project.name}.png` });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('status')).toContainText(`Connected to ${WORKSPACE}/${REPOSITORY} on ${BRANCH}`);
  await expect(page.getByTestId('sync-status')).toHaveText('In sync');
}

/** Rewrites the definition in the Definition tab and saves it. */
async function editDefinition(page: Page, change: (text: string) => string) {
  await tab(page, 'Definition');
  const editor = page.getByTestId('definition-text');
  const text = change(await editor.inputValue());
  await editor.fill(text);
  await page.getByRole('button', { name: 'Save definition' }).click();
  await expect(page.getByRole('status')).toContainText('Definition saved');
  return text;
}

async function push(page: Page, message: string) {
  await page.getByLabel('Commit message').fill(message);
  await page.getByRole('button', { name: 'Commit and push' }).click();
  await expect(page.getByRole('status')).toContainText('Pushed commit');
  await expect(page.getByTestId('sync-status')).toHaveText('In sync');
  await expect(page.getByTestId('no-local-changes')).toBeVisible();
}

test('API sync: connect, push an edit, pull a git commit, resolve a conflict', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror at ${page.url()}: ${error.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console at ${page.url()}: ${msg.text()}`); });
  const stamp = Date.now();
  const path = `specs/sync-js-${stamp}.yaml`;
  await signUpWithApi(page, 'api-sync', `Synced ${stamp}`, 'none');
  await authenticateFromConnectForm(page);
  await connect(page, path);
  await expect(page.getByTestId('sync-log')).toContainText('connect');
  // Ferry's starter definition is now in the repository.
  expect(inRepository(path)).toContain('version: 1.0.0');

  // An edit in Ferry is a local change, shown as a diff, until pushed.
  await editDefinition(page, (text) => text.replace('version: 1.0.0', 'version: 1.1.0'));
  await tab(page, 'Repository');
  await expect(page.getByTestId('sync-status')).toHaveText('Local changes');
  await expect(page.getByTestId('local-change-path')).toHaveText([path]);
  await expect(page.getByTestId('local-change')).toContainText('-  version: 1.0.0');
  await expect(page.getByTestId('local-change')).toContainText('+  version: 1.1.0');
  await push(page, 'Version 1.1.0');
  await expect(page.getByTestId('sync-log-row').first()).toContainText('push');
  await expect(page.getByTestId('sync-log-row').first()).toContainText(path);
  expect(inRepository(path)).toContain('version: 1.1.0');

  // A commit pushed with git comes in with Pull changes.
  pushWithGit(path, (text) => text.replace('paths: {}', 'paths: {}\nx-edited-in: git'), 'Edited in git');
  await page.getByRole('button', { name: 'Pull changes' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveText('In sync');
  await tab(page, 'Definition');
  await expect(page.getByTestId('definition-text')).toHaveValue(/x-edited-in: git/);

  // The same line changed on both sides: a conflict, until a person chooses.
  await editDefinition(page, (text) => text.replace('version: 1.1.0', 'version: 2.0.0-ferry'));
  pushWithGit(path, (text) => text.replace('version: 1.1.0', 'version: 2.0.0-git'), 'Version 2 from git');
  await tab(page, 'Repository');
  await page.getByRole('button', { name: 'Pull changes' }).click();
  await expect(page.getByTestId('sync-status')).toHaveText('Conflict');
  const conflict = page.getByTestId('conflict');
  await expect(conflict).toHaveCount(1);
  await expect(conflict.getByTestId('conflict-path')).toHaveText(path);
  await expect(conflict.getByTestId('conflict-ours')).toContainText('version: 2.0.0-ferry');
  await expect(conflict.getByTestId('conflict-theirs')).toContainText('version: 2.0.0-git');
  await expect(page.getByTestId('push-form')).toHaveCount(0); // resolve first
  await page.screenshot({ path: 'test-results/api-sync-conflict.png', fullPage: true });

  await conflict.getByRole('button', { name: "Keep Ferry's" }).click();
  await expect(page.getByRole('status')).toContainText(`Resolved ${path}`);
  await expect(page.getByTestId('conflict')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveText('Local changes');
  await expect(page.getByTestId('local-change-path')).toHaveText([path]);
  await push(page, "Keep Ferry's version 2");
  const repository = inRepository(path);
  expect(repository).toContain('version: 2.0.0-ferry');
  expect(repository).toContain('x-edited-in: git');

  const directions = await page.getByTestId('sync-log-direction').allTextContents();
  expect(directions).toContain('connect');
  expect(directions).toContain('push');
  expect(directions).toContain('pull');
  expect(directions).toContain('resolve');
  await page.screenshot({ path: 'test-results/api-sync-log.png', fullPage: true });

  // The APIs list shows the status too.
  await page.goto('/apis');
  await expect(page.getByTestId('api-sync-status')).toHaveText('In sync');
  expect(errors).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('API sync: connect and push, as plain forms', async ({ page }) => {
    const stamp = Date.now();
    const path = `specs/sync-nojs-${stamp}.yaml`;
    await signUpWithApi(page, 'api-sync-nojs', `Plain ${stamp}`, 'add-integration');
    await chooseAccount(page);
    await connect(page, path);
    await editDefinition(page, (text) => text.replace('version: 1.0.0', 'version: 1.0.1'));
    await tab(page, 'Repository');
    await expect(page.getByTestId('sync-status')).toHaveText('Local changes');
    await expect(page.getByTestId('local-change-path')).toHaveText([path]);
    await push(page, 'Version 1.0.1, without JavaScript');
    expect(inRepository(path)).toContain('version: 1.0.1');
  });
});
