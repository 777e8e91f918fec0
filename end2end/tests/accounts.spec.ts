import { expect, Page, test } from '@playwright/test';
import { PASSWORD, signIn, signUp, uniqueEmail } from './helpers';

test('sign up, sign out, sign in, and a wrong password', async ({ page }) => {
  const email = uniqueEmail('ada');
  await signUp(page, email);
  await expect(page.getByTestId('current-team')).toContainText("'s team");

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByTestId('account-email')).toHaveCount(0);

  await signIn(page, email, 'not my password');
  await expect(page.getByRole('alert')).toHaveText('Email or password is not right; check both and try again');
  await expect(page.getByLabel('Email')).toHaveValue(email);

  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
});

test('repeated failures are throttled with a clear message', async ({ page }) => {
  const email = uniqueEmail('grace');
  await signUp(page, email);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  // Wrong passwords until the wait is long enough that the next attempt surely falls in it
  // (backoff doubles per failure; a slow machine may pass the first short waits).
  const throttled = /Too many attempts\. Try again in (\d+) seconds?\./;
  let wait = 0;
  for (let i = 0; i < 20 && wait < 4; i++) {
    await signIn(page, email, `wrong password ${i}`);
    const match = (await page.getByRole('alert').textContent())?.match(throttled);
    wait = match ? Number(match[1]) : 0;
  }
  expect(wait).toBeGreaterThanOrEqual(4);
  await signIn(page, email, PASSWORD);
  await expect(page.getByRole('alert')).toContainText(throttled);
  await expect(page.getByTestId('account-email')).toHaveCount(0);
});

test('create a team and switch between teams', async ({ page }) => {
  await signUp(page, uniqueEmail('alan'));
  await page.getByRole('link', { name: 'New team' }).click();
  await page.getByLabel('Team name').fill('Payments API');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('status')).toContainText('Team “Payments API” created');
  await expect(page.getByTestId('current-team')).toContainText('Payments API');

  await page.getByTestId('team-switcher').selectOption({ label: await personalTeam(page) });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.getByTestId('current-team')).toContainText("'s team");
});

async function personalTeam(page: Page): Promise<string> {
  const labels = await page.getByTestId('team-switcher').locator('option').allTextContents();
  return labels.find((l) => l.endsWith("'s team"))!;
}

test('sign out everywhere ends the other browsers\' sessions', async ({ page, browser }) => {
  const email = uniqueEmail('tim');
  await signUp(page, email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email, PASSWORD);
  await expect(otherPage.getByTestId('account-email')).toHaveText(email);

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await otherPage.reload();
  await expect(otherPage.getByTestId('account-email')).toHaveCount(0);
  await other.close();
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in form still works', async ({ page }) => {
    const email = uniqueEmail('nojs');
    await signUp(page, email);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signIn(page, email, 'wrong password here');
    await expect(page.getByRole('alert')).toHaveText('Email or password is not right; check both and try again');
    await signIn(page, email, PASSWORD);
    await expect(page.getByTestId('account-email')).toHaveText(email);
  });
});
