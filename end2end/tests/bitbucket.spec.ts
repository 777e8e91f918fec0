import { expect, Page, test } from '@playwright/test';
import { REPLACEMENT_TOKEN, bitbucketSeed } from '../harness/ferry';
import { signUp, uniqueEmail } from './helpers';

// The whole Add Integration flow against the Bitbucket sandbox (demo seed), for each of the
// three ways to authenticate; then Edit, Delete, and replacing a token in place.

const demo = bitbucketSeed.users[0];
const API_TOKEN: string = demo.api_tokens[0].token;
const APP_PASSWORD: string = demo.app_passwords[0].password;

async function newCollection(page: Page, name: string) {
  await page.goto('/collections');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create collection' }).click();
  await expect(page.getByTestId('collection-name')).toHaveText(name);
}

/** Home → Integrations → search "bit" → Bitbucket → Add Integration. */
async function startAdding(page: Page) {
  await page.goto('/');
  await page.getByRole('main').getByRole('link', { name: 'Integrations' }).click();
  await page.getByLabel('Search integrations').pressSequentially('bit');
  await page.getByRole('list', { name: 'Available integrations' }).getByRole('link', { name: 'Bitbucket' }).click();
  await page.getByRole('link', { name: 'Add Integration' }).click();
  await expect(page.getByRole('heading', { name: 'Add Bitbucket integration' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]')).toHaveText('Authenticate');
}

/** Step 2: the collection, repository, directory, filename and branch, then Add Integration. */
async function configure(page: Page, collection: string, repository: string, branch: string) {
  await expect(page.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]')).toHaveText('Configure');
  await page.getByLabel('Collection', { exact: true }).selectOption({ label: collection });
  await expect(page.getByLabel('Workspace')).toHaveValue('demo');
  await page.getByLabel('Repository', { exact: true }).selectOption(repository);
  await page.getByRole('button', { name: 'Load repositories and branches' }).click();
  await expect(page.getByLabel('Repository', { exact: true })).toHaveValue(repository);
  await expect(page.getByLabel('Collection', { exact: true }).locator('option:checked')).toHaveText(collection);
  await expect(page.getByLabel('Branch', { exact: true })).toHaveValue('main'); // the repository's main branch
  await expect(page.getByLabel('Directory')).toHaveValue('Postman Collections');
  await expect(page.getByLabel('Filename')).toHaveAttribute('placeholder', `${collection}.postman_collection.json`);
  await page.getByLabel('Branch', { exact: true }).fill(branch);
  await page.getByRole('button', { name: 'Add Integration' }).click();
  await expect(page.getByRole('status')).toContainText(`Integration added: “${collection}”`);
}

/** A full-page picture of this step, kept with the test's output (for the notes on each step). */
async function snapshot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

function row(page: Page, collection: string) {
  return page.getByTestId('integration').filter({ hasText: collection });
}

test('Add Integration with each way to authenticate, then edit, delete and replace the token', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  const email = uniqueEmail('bitbucket');
  await signUp(page, email);
  for (const name of ['Users API', 'Orders API', 'Billing API']) await newCollection(page, name);

  // 1. Email + API token (the default), with a wrong token first.
  await startAdding(page);
  await snapshot(page, '1-authenticate');
  await expect(page.getByLabel('Email and API token (recommended)')).toBeChecked();
  await page.getByLabel('Email', { exact: true }).fill(demo.email);
  await page.getByLabel('API token', { exact: true }).fill('ATATT-not-the-token');
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
  await expect(page.getByTestId('form-error')).toContainText('Bitbucket did not accept this email and API token');
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(demo.email);
  await expect(page.getByLabel('API token', { exact: true })).toHaveValue(''); // never echoed back
  await snapshot(page, '2-authenticate-refused');
  await page.getByLabel('Email and API token (recommended)').check();
  await page.getByLabel('API token', { exact: true }).fill(API_TOKEN);
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
  await expect(page.getByTestId('chosen-account')).toContainText('Demo User (API token)');
  await snapshot(page, '3-configure');
  await configure(page, 'Users API', 'postman-backups', 'main');
  await expect(page).toHaveURL(/\/integrations\/bitbucket$/);
  await snapshot(page, '4-configured-integrations');
  const users = row(page, 'Users API');
  await expect(users).toContainText('demo/postman-backups');
  await expect(users).toContainText('Postman Collections/Users API.postman_collection.json');
  await expect(users).toContainText(email);

  // 2. Username + App password (legacy).
  await startAdding(page);
  await page.getByLabel('Username and App password').check();
  await expect(page.getByLabel('Email', { exact: true })).toBeHidden();
  await page.getByLabel('Username', { exact: true }).fill(demo.username);
  await page.getByLabel('App password', { exact: true }).fill(APP_PASSWORD);
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
  await expect(page.getByTestId('chosen-account')).toContainText('Demo User (app password)');
  await configure(page, 'Orders API', 'api-collections', 'orders-backup');
  await expect(row(page, 'Orders API')).toContainText('demo/api-collections');

  // 3. Connect with Bitbucket (OAuth): Bitbucket's consent page, then back to Configure.
  await startAdding(page);
  await page.getByRole('button', { name: 'Connect with Bitbucket' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize application' })).toBeVisible();
  await snapshot(page, '5-bitbucket-consent');
  await page.getByLabel('Signed in as (sandbox username)').fill(demo.username);
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByTestId('chosen-account')).toContainText('Demo User (OAuth)');
  await configure(page, 'Billing API', 'postman-backups', 'billing');
  await expect(row(page, 'Billing API')).toContainText('billing');

  // A saved account is offered first the next time.
  await startAdding(page);
  await expect(page.getByLabel('A connected account of this team')).toBeChecked();
  await expect(page.getByLabel('Connected account', { exact: true })).toContainText('Demo User (API token)');
  await page.getByRole('link', { name: 'Bitbucket', exact: true }).click();

  // Edit every field of one, e.g. its branch and filename.
  await row(page, 'Orders API').getByRole('link', { name: 'Edit Orders API' }).click();
  await expect(page.getByRole('heading', { name: 'Edit the integration of “Orders API”' })).toBeVisible();
  await expect(page.getByLabel('Branch', { exact: true })).toHaveValue('orders-backup');
  await snapshot(page, '6-edit');
  await page.getByLabel('Branch', { exact: true }).fill('orders');
  await page.getByLabel('Filename').fill('orders.json');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Integration of “Orders API” saved.');
  await expect(row(page, 'Orders API')).toContainText('Postman Collections/orders.json');
  await expect(row(page, 'Orders API')).toContainText('orders');

  // Delete one, confirming.
  await row(page, 'Billing API').getByRole('link', { name: 'Delete Billing API' }).click();
  await page.getByRole('button', { name: 'Delete integration' }).click();
  await expect(page.getByRole('status')).toContainText('Integration deleted');
  await expect(row(page, 'Billing API')).toHaveCount(0);

  // Replace the API token in place: same account, its integration keeps committing.
  await page.getByRole('link', { name: 'Connected accounts' }).click();
  const accounts = page.getByTestId('account');
  await expect(accounts).toHaveCount(3);
  await expect(page.getByText('Integration deleted')).toHaveCount(0); // a message shows on its own page only
  await snapshot(page, '7-connected-accounts');
  await page.getByRole('link', { name: 'Re-authenticate Demo User (API token)' }).click();
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(demo.email);
  await page.getByLabel('API token', { exact: true }).fill(REPLACEMENT_TOKEN);
  await page.getByRole('button', { name: 'Re-authenticate', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Re-authenticated “Demo User (API token)” as Demo User');
  await expect(accounts).toHaveCount(3);
  await expect(accounts.filter({ hasText: 'Demo User (API token)' })).toContainText('1 integration');
  await page.goto('/integrations/bitbucket');
  await row(page, 'Users API').getByRole('button', { name: 'Run now Users API' }).click();
  await row(page, 'Users API').getByRole('link', { name: 'Run log Users API' }).click();
  const newest = page.getByTestId('run').first();
  await expect
    .poll(async () => {
      await page.reload();
      return (await newest.count()) ? `${await newest.getByTestId('trigger').innerText()} ${await newest.getByTestId('outcome').innerText()}` : '';
    }, { timeout: 20_000 })
    .toMatch(/^manual (Committed|No changes)/);

  // The credentials never reach a page.
  for (const path of ['/integrations/bitbucket', '/integrations/accounts', '/integrations/bitbucket/new']) {
    await page.goto(path);
    const html = await page.content();
    for (const secret of [API_TOKEN, APP_PASSWORD, REPLACEMENT_TOKEN]) expect(html).not.toContain(secret);
  }
  expect(problems).toEqual([]);
});
