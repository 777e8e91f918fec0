import { expect, Page, test } from '@playwright/test';
import { bitbucketSeed } from '../harness/ferry';
import { signUp, uniqueEmail } from '../tests/helpers';

// What a person sees on their first `scripts/run`: the release build, served on SQLite with the
// demo Bitbucket sandbox. Every page must hydrate without a single browser error.

function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

test('Home renders and hydrates', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.setViewportSize({ width: 375, height: 740 });
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Home · Ferry');
  // The release bundle, not a debug one: wasm-opt ran and the file is served as wasm.
  const wasm = await page.request.get('/pkg/ferry.wasm');
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()['content-type']).toBe('application/wasm');

  // The navigation is folded at 375 px; only the hydrated app unfolds it.
  const toggle = page.getByRole('button', { name: 'Menu' });
  await expect(async () => {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true', { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByRole('navigation', { name: 'Primary' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('sign up, then Integrations → Bitbucket → Add Integration against the demo sandbox', async ({ page }) => {
  const problems = watchForErrors(page);
  await signUp(page, uniqueEmail('first-run'));

  await page.getByRole('main').getByRole('link', { name: 'Integrations' }).click();
  // Filtering as you type needs the hydrated page.
  const catalog = page.getByRole('list', { name: 'Available integrations' });
  await page.getByLabel('Search integrations').pressSequentially('bit');
  await catalog.getByRole('link', { name: 'Bitbucket' }).click();
  await expect(page.getByTestId('sandbox-notice')).toContainText('local sandbox');
  await page.getByRole('link', { name: 'Add Integration' }).click();
  await expect(page.getByRole('heading', { name: 'Add Bitbucket integration' })).toBeVisible();

  // The demo account authenticates against the sandbox, which then lists its repositories.
  const demo = bitbucketSeed.users[0];
  await page.getByLabel('Email', { exact: true }).fill(demo.email);
  await page.getByLabel('API token', { exact: true }).fill(demo.api_tokens[0].token);
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
  await expect(page.getByTestId('chosen-account')).toContainText('(API token)');
  await expect(page.getByLabel('Repository', { exact: true }).locator('option')).not.toHaveCount(0);
  expect(problems).toEqual([]);
});
