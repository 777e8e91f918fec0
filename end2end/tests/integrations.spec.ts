import { expect, test } from '@playwright/test';
import { signUp, uniqueEmail } from './helpers';

test('Home → Integrations: the search filters as you type, then Bitbucket', async ({ page }) => {
  await signUp(page, uniqueEmail('ivy'));
  await page.goto('/');
  await page.getByRole('main').getByRole('link', { name: 'Integrations' }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  const search = page.getByLabel('Search integrations');
  const cards = page.getByRole('list', { name: 'Available integrations' });

  await search.pressSequentially('zzz');
  await expect(page.getByTestId('no-integration')).toContainText('No integration matches');
  await expect(cards).toHaveCount(0);
  expect(page.url()).toMatch(/\/integrations$/); // filtered in the page, no round trip

  await search.fill('');
  await search.pressSequentially('bit');
  await expect(cards.getByRole('link')).toHaveText(['Bitbucket']);
  await cards.getByRole('link', { name: 'Bitbucket' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bitbucket');
  await expect(page.getByRole('link', { name: 'Add Integration' })).toBeVisible();
  await expect(page.getByTestId('no-integrations')).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the search is a plain GET form', async ({ page }) => {
    await page.goto('/integrations');
    await page.getByLabel('Search integrations').fill('zzz');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\/integrations\?q=zzz$/);
    await expect(page.getByTestId('no-integration')).toBeVisible();
    await page.getByLabel('Search integrations').fill('bit');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('list', { name: 'Available integrations' }).getByRole('link')).toHaveText(['Bitbucket']);
  });
});
