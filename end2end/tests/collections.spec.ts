import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { signUp, uniqueEmail } from './helpers';

// The shared Postman examples sit beside the repository: `../shared` from its root.
const examples = resolve(__dirname, '..', '..', '..', 'shared', 'postman', 'examples');

test('import an example, edit a request, see it in History, export and compare', async ({ page }) => {
  // The pages hydrate without complaint (a mismatch between server and browser would show here).
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await signUp(page, uniqueEmail('collections'));
  await page.getByRole('link', { name: 'Collections' }).click();
  await expect(page.getByRole('heading', { name: 'Collections', exact: true })).toBeVisible();

  await page.getByLabel('Collection file').setInputFiles(resolve(examples, 'jsonblob.json'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Collection “JSONBlob Core API” imported.');
  await expect(page.getByTestId('collection-name')).toHaveText('JSONBlob Core API');
  await expect(page.getByTestId('tree-request')).toHaveCount(4);
  const collectionUrl = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Retrieve a Blob' }).click();
  await expect(page.getByTestId('selected-name')).toHaveText('Retrieve a Blob');
  await page.getByLabel('URL', { exact: true }).fill('https://jsonblob.com/api/jsonBlob/{{blobId}}');
  await expect(page.getByLabel('Headers 2 key')).toHaveValue('Accept');
  await page.getByLabel('Headers 2 value').fill('text/plain');
  await page.getByRole('button', { name: 'Save request' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved “Retrieve a Blob”.');
  await expect(page.getByLabel('URL', { exact: true })).toHaveValue('https://jsonblob.com/api/jsonBlob/{{blobId}}');

  await page.getByRole('link', { name: 'History' }).click();
  const newest = page.getByTestId('revision').first();
  await expect(newest).toContainText('#2');
  await expect(newest.getByTestId('revision-summary')).toHaveText(
    'Update "JSONBlob Core API": changed "Retrieve a Blob"',
  );
  await expect(page.getByTestId('revision').nth(1)).toContainText('Create "JSONBlob Core API"');

  await page.goto(collectionUrl);
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('JSONBlob Core API.postman_collection.json');
  const exported = readFileSync((await download.path())!, 'utf8');

  // The app's canonical JSON, served twice more: the export URL and the revision view.
  const served = await page.request.get(`${collectionUrl}/export`);
  expect(await served.text()).toBe(exported);
  await page.goto(`${collectionUrl}/revisions/2`);
  expect((await page.getByTestId('revision-json').textContent()) ?? '').toBe(exported);

  const document = JSON.parse(exported);
  const retrieve = document.item.find((item: { name: string }) => item.name === 'Retrieve a Blob');
  expect(retrieve.request.url.raw).toBe('https://jsonblob.com/api/jsonBlob/{{blobId}}');
  expect(retrieve.request.header).toContainEqual(expect.objectContaining({ key: 'Accept', value: 'text/plain' }));
  expect(exported.endsWith('}\n')).toBe(true);
  expect(exported).toBe(`${JSON.stringify(document, null, 2)}\n`);
  expect(problems).toEqual([]);
});

test('the body editor shows the chosen kind of body only, and the collection is renamed', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await signUp(page, uniqueEmail('bodies'));
  await page.goto('/collections');
  await page.getByLabel('Collection file').setInputFiles(resolve(examples, 'reqBodyGraphQL.json'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('imported.');
  const collectionUrl = new URL(page.url()).pathname;
  await page.getByTestId('tree-request').first().getByRole('link').click();

  // The stored GraphQL body is chosen and shown; the other kinds' fields are hidden once
  // the page is interactive.
  const mode = page.getByLabel('Body', { exact: true });
  await expect(mode).toHaveValue('graphql');
  await expect(page.getByLabel('GraphQL query')).toHaveValue('query Test { hello }');
  await expect(page.getByLabel('Body text (raw)')).toBeHidden();
  await expect(page.getByLabel('Form fields 1 key')).toBeHidden();

  await page.getByLabel('GraphQL variables (JSON)').fill('{"foo": "baz"}');
  await page.getByRole('button', { name: 'Save request' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved “default”.');
  await expect(page.getByLabel('GraphQL variables (JSON)')).toHaveValue('{"foo": "baz"}');

  // Switching the kind shows its fields.
  await mode.selectOption('urlencoded');
  await expect(page.getByLabel('GraphQL query')).toBeHidden();
  await page.getByLabel('URL-encoded fields 1 key').fill('greeting');
  await page.getByLabel('URL-encoded fields 1 value').fill('hello world');
  await page.getByRole('button', { name: 'Save request' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved “default”.');
  await expect(mode).toHaveValue('urlencoded');
  await expect(page.getByLabel('URL-encoded fields 1 value')).toHaveValue('hello world');
  await page.screenshot({ path: test.info().outputPath('request-editor-urlencoded.png'), fullPage: true });

  await page.getByText('Rename or describe the collection').click();
  await page.getByLabel('Collection name').fill('Greetings API');
  await page.getByLabel('Collection description').fill('Says hello.');
  await page.getByRole('button', { name: 'Save name and description' }).click();
  await expect(page.getByTestId('collection-name')).toHaveText('Greetings API');
  await expect(page.getByTestId('collection-description')).toHaveText('Says hello.');

  const exported = JSON.parse(await (await page.request.get(`${collectionUrl}/export`)).text());
  expect(exported.info.name).toBe('Greetings API');
  expect(exported.info.description).toBe('Says hello.');
  expect(exported.item[0].request.body).toEqual(
    expect.objectContaining({ mode: 'urlencoded', urlencoded: [{ key: 'greeting', value: 'hello world' }] }),
  );
  expect(exported.item[0].request.body.graphql).toBeUndefined();
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByTestId('revision')).toHaveCount(4);
  expect(problems).toEqual([]);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('collections are created, filled and edited with plain form posts', async ({ page }) => {
    await signUp(page, uniqueEmail('nojs-collections'));
    await page.goto('/collections');

    // A refused import names the JSON path and keeps the pasted text.
    const broken = '{"info": {"name": "Broken", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": [{"name": "x", "request": {"url": 7}}]}';
    await page.getByLabel('Or paste the collection JSON').fill(broken);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('item[0].request.url');
    await expect(page.getByLabel('Or paste the collection JSON')).toHaveValue(broken);
    await expect(page.getByTestId('no-collections')).toBeVisible();

    await page.getByLabel('Name', { exact: true }).fill('Orders API');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await expect(page.getByRole('status')).toHaveText('Collection “Orders API” created.');

    await page.getByLabel('New item name').fill('List orders');
    await page.getByLabel('New request URL').fill('https://api.example.com/orders');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByRole('status')).toHaveText('Added “List orders”.');
    await expect(page.getByTestId('selected-name')).toHaveText('List orders');

    await page.getByLabel('URL', { exact: true }).fill('https://api.example.com/orders?status=open');
    await page.getByLabel('Headers 1 key').fill('X-Team');
    await page.getByLabel('Headers 1 value').fill('ops');
    await page.getByRole('button', { name: 'Save request' }).click();
    await expect(page.getByRole('status')).toHaveText('Saved “List orders”.');
    await expect(page.getByLabel('URL', { exact: true })).toHaveValue('https://api.example.com/orders?status=open');
    await expect(page.getByLabel('Query parameters 1 key')).toHaveValue('status');
    await expect(page.getByLabel('Headers 1 value')).toHaveValue('ops');

    await page.getByRole('link', { name: 'History' }).click();
    await expect(page.getByTestId('revision-summary').first()).toHaveText('Update "Orders API": changed "List orders"');

    await page.goto('/collections?q=orders');
    await expect(page.getByTestId('collection')).toHaveCount(1);
    await page.goto('/collections?q=nothing-like-it');
    await expect(page.getByTestId('no-collections')).toBeVisible();
  });
});
