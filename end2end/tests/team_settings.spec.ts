import { expect, Page, test } from '@playwright/test';
import { PASSWORD, signUp, uniqueEmail } from './helpers';

test('invite a second person who accepts, and a role change takes effect', async ({ page, browser }) => {
  const admin = uniqueEmail('alice');
  await signUp(page, admin);
  await page.getByRole('link', { name: 'Team settings' }).click();
  await expect(page.getByTestId('members')).toContainText(admin);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Create invite link' }).click();
  const link = (await page.getByTestId('one-time-secret').textContent())!;
  expect(link).toMatch(/\/invite\/[A-Za-z0-9]{32}$/);

  // The second person opens the link signed out and signs up from it: the sign-up itself
  // joins the link's team (the link is checked before the account is made).
  const other = await browser.newContext();
  const bob = await other.newPage();
  const invitee = uniqueEmail('bob');
  await bob.goto(link);
  await expect(bob.getByTestId('invite')).toContainText('as viewer');
  await bob.getByRole('link', { name: 'Sign up to accept' }).click();
  await bob.getByLabel('Email').fill(invitee);
  await bob.getByLabel('Password').fill(PASSWORD);
  await bob.getByRole('button', { name: 'Sign up' }).click();
  await expect(bob.getByRole('status')).toContainText('You joined');
  await expect(bob.getByTestId('current-team')).toContainText('you are viewer');

  await bob.getByRole('link', { name: 'Team settings' }).click();
  await expect(bob.getByTestId('members')).toContainText(admin);
  await expect(bob.getByRole('button', { name: 'Change role' })).toHaveCount(0);

  await page.goto('/team/members');
  await page.getByLabel(`Role of ${invitee}`).selectOption('editor');
  await page
    .getByTestId('member')
    .filter({ hasText: invitee })
    .getByRole('button', { name: 'Change role' })
    .click();
  await expect(page.getByRole('status')).toHaveText('Role changed to editor.');

  await bob.goto('/');
  await expect(bob.getByTestId('current-team')).toContainText('you are editor');

  // The link was for one person only.
  const third = await browser.newContext();
  const carol = await third.newPage();
  await carol.goto(link);
  await expect(carol.getByRole('alert')).toContainText('this link has already been used');
  await other.close();
  await third.close();
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('API keys are created, shown once, and revoked; the audit log records it', async ({ page }) => {
    await signUp(page, uniqueEmail('nojs-keys'));
    await page.goto('/team/api-keys');
    await page.getByLabel('Name').fill('nightly check');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByLabel('Expires in (days)').fill('30');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await expect(page.getByTestId('one-time-secret')).toHaveText(/^ferry_/);
    await expect(page.getByTestId('api-key')).toContainText('active');

    await page.reload();
    await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
    await page.getByRole('button', { name: 'Revoke nightly check' }).click();
    await expect(page.getByRole('status')).toContainText('API key revoked');
    await expect(page.getByTestId('api-key')).toContainText('revoked');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByTestId('audit-log')).toContainText('api_key.revoked');
    await expect(page.getByTestId('audit-log')).toContainText('api_key.created');
  });
});
