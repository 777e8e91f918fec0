import { expect, test } from '@playwright/test';

test.describe('Home', () => {
  test('is served, titled, hydrated and free of browser errors', async ({ page }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    await page.setViewportSize({ width: 375, height: 740 });
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle('Home · Ferry');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('backed up to Bitbucket');
    await expect(page.getByTestId('build-version')).toHaveText(/^\d+\.\d+\.\d+ \(\w+\)$/);

    // The navigation is folded at 375 px; only the hydrated app can unfold it.
    const toggle = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Primary' });
    await expect(nav).toBeHidden();
    await expect(async () => {
      await toggle.click();
      await expect(toggle).toHaveAttribute('aria-expanded', 'true', { timeout: 500 });
    }).toPass({ timeout: 20_000 });
    await expect(nav).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');

    expect(problems).toEqual([]);
  });

  test('unknown pages answer 404 with a way back', async ({ page }) => {
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await page.getByRole('link', { name: 'Go to Home' }).click();
    await expect(page).toHaveURL(/\/$/);
  });

  test('health and readiness answer', async ({ request }) => {
    const health = await request.get('/healthz');
    expect(health.status()).toBe(200);
    const ready = await request.get('/readyz');
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'sqlite' });
    expect(ready.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
