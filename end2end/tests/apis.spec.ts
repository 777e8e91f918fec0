import { readFileSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { signUp, uniqueEmail } from './helpers';

// APIs end to end, with JavaScript on and off: paste a definition with a mistake, see the
// problem with its line, fix it, generate a collection, publish 1.0.0 and export it.

/** Line 14 puts a parameter `in: body`, which OpenAPI 3 does not have. */
const WITH_A_MISTAKE = `# Pets: comments survive every save.
openapi: 3.1.0
info:
  version: 1.0.0   # version before title, on purpose
  title: Pets
servers:
  - url: https://pets.example.com/v1
paths:
  /pets/{id}:
    get:
      summary: Get a pet
      tags: [pets]
      parameters:
        - in: body
          name: id
          required: true
          schema: {type: string}
      responses:
        '200': {description: The pet}
    delete:
      summary: Delete a pet
      tags: [pets]
      responses:
        '204': {description: Deleted}
`;
const FIXED = WITH_A_MISTAKE.replace('in: body', 'in: path');

/** Opens a tab of the API page. */
async function tab(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'API' }).getByRole('link', { name, exact: true }).click();
}

async function walk(page: Page, javaScript: boolean) {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await signUp(page, uniqueEmail(javaScript ? 'apis-js' : 'apis-nojs'));
  await page.getByRole('link', { name: 'APIs', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'APIs', exact: true })).toBeVisible();

  await page.getByLabel('Or paste the definition').fill(WITH_A_MISTAKE);
  await page.getByRole('button', { name: 'Import API' }).click();
  await expect(page.getByRole('status')).toContainText('API “Pets” imported.');
  await expect(page.getByTestId('api-invalid')).toHaveText('1 problem');
  await expect(page.getByTestId('api-version')).toHaveText('1.0.0');
  await page.screenshot({ path: `test-results/apis-overview-${javaScript ? 'js' : 'nojs'}.png`, fullPage: true });

  await tab(page, 'Definition');
  const problem = page.getByTestId('problem');
  await expect(problem).toHaveCount(1);
  await expect(problem).toContainText('Line 14, column');
  await expect(problem).toContainText('paths./pets/{id}.get.parameters.0');
  if (javaScript) {
    await expect(page.getByTestId('line-numbers')).toContainText('25');
    await problem.getByRole('button', { name: 'Go to' }).click();
    const caret = await page.getByTestId('definition-text').evaluate((el) => (el as HTMLTextAreaElement).selectionStart);
    expect(WITH_A_MISTAKE.slice(caret).startsWith('        - in: body')).toBe(true);
  } else {
    await expect(page.getByTestId('line-numbers')).toHaveCount(0);
  }
  await page.screenshot({ path: `test-results/apis-definition-${javaScript ? 'js' : 'nojs'}.png`, fullPage: true });

  await page.getByTestId('definition-text').fill(FIXED);
  await page.getByRole('button', { name: 'Save definition' }).click();
  await expect(page.getByRole('status')).toContainText('Definition saved');
  await expect(page.getByTestId('no-problems')).toBeVisible();
  await expect(page.getByTestId('api-valid')).toBeVisible();
  await expect(page.getByTestId('definition-text')).toHaveValue(FIXED);

  await tab(page, 'Operations');
  await expect(page.getByTestId('operation')).toHaveCount(2);

  await tab(page, 'Collections');
  await page.getByRole('button', { name: 'Generate collection' }).click();
  await expect(page.getByRole('status')).toContainText('generated');
  const linked = page.getByTestId('linked-collection');
  await expect(linked).toHaveCount(1);
  await expect(linked).toContainText('Generated from the definition');

  await tab(page, 'Versions');
  await page.getByLabel('Version', { exact: true }).fill('1.0.0');
  await page.getByLabel('Release notes').fill('First release');
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(page.getByTestId('version-name')).toHaveText('Version 1.0.0');
  await expect(page.getByTestId('version-collections')).toContainText('Pets.postman_collection.json');
  await page.getByText('Show the definition').click();
  expect(await page.getByTestId('version-definition').textContent()).toBe(FIXED);
  await page.screenshot({ path: `test-results/apis-version-${javaScript ? 'js' : 'nojs'}.png`, fullPage: true });

  let downloading = page.waitForEvent('download');
  await page.getByTestId('export-definition').click();
  const definition = await downloading;
  expect(readFileSync((await definition.path())!, 'utf8')).toBe(FIXED);

  downloading = page.waitForEvent('download');
  await page.getByTestId('export-zip').click();
  const zip = await downloading;
  expect(zip.suggestedFilename()).toMatch(/\.zip$/);
  const bytes = readFileSync((await zip.path())!);
  expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(bytes.includes(Buffer.from('collections/Pets.postman_collection.json'))).toBe(true);

  // Publishing the same name again is refused, and says why.
  await tab(page, 'Versions');
  await page.getByLabel('Version', { exact: true }).fill('1.0.0');
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(page.getByRole('alert')).toContainText('already has a version 1.0.0');
  await expect(page.getByTestId('version')).toHaveCount(1);
  expect(errors).toEqual([]);
}

test('APIs: paste, see the problem, fix, generate, publish and export, with JavaScript', async ({ page }) => {
  await walk(page, true);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('APIs: paste, see the problem, fix, generate, publish and export, without JavaScript', async ({ page }) => {
    await walk(page, false);
  });
});
