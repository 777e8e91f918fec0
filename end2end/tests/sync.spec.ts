import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { bitbucketSeed } from '../harness/ferry';
import { signUp, uniqueEmail } from './helpers';

// The sync engine seen from the outside: an edit made in the browser shows up within seconds
// as a commit in the sandbox repository, read back with `git clone`.

const examples = resolve(__dirname, '..', '..', '..', 'shared', 'postman', 'examples');
const demo = bitbucketSeed.users[0];
const BRANCH = 'sync-e2e';
const FILE = 'Postman Collections/JSONBlob Core API.postman_collection.json';

function remote() {
  const password = encodeURIComponent(demo.app_passwords[0].password);
  return `http://${demo.username}:${password}@127.0.0.1:${process.env.FERRY_E2E_BITBUCKET_PORT}/demo/postman-backups.git`;
}

/** The branch as a fresh clone shows it: the file, and the tip's author and subject. */
function cloned(): { file: string; author: string; subject: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-clone-'));
  try {
    execFileSync('git', ['clone', '--quiet', '--branch', BRANCH, remote(), dir], { stdio: 'pipe' });
    const [author, subject] = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%an <%ae>%n%s']).toString().trim().split('\n');
    return { file: readFileSync(join(dir, FILE), 'utf8'), author, subject };
  } catch {
    return null; // the branch does not exist yet
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an edit in the browser is committed to Bitbucket within seconds, as its editor', async ({ page }) => {
  const email = uniqueEmail('sync');
  await signUp(page, email);
  await page.goto('/collections');
  await page.getByLabel('Collection file').setInputFiles(resolve(examples, 'jsonblob.json'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('collection-name')).toHaveText('JSONBlob Core API');
  const collectionUrl = new URL(page.url()).pathname;

  await page.goto('/integrations/bitbucket/new');
  await page.getByLabel('Email', { exact: true }).fill(demo.email);
  await page.getByLabel('API token', { exact: true }).fill(demo.api_tokens[0].token);
  await page.getByRole('button', { name: 'Authenticate and Proceed' }).click();
  await page.getByLabel('Collection', { exact: true }).selectOption({ label: 'JSONBlob Core API' });
  await page.getByLabel('Repository', { exact: true }).selectOption('postman-backups');
  await page.getByLabel('Branch', { exact: true }).fill(BRANCH);
  await page.getByRole('button', { name: 'Add Integration' }).click();
  await expect(page.getByRole('status')).toContainText('Integration added');

  // The first run commits the collection as it is.
  await expect.poll(() => cloned()?.subject ?? '', { timeout: 20_000 }).toContain('JSONBlob Core API');

  await page.goto(collectionUrl);
  await page.getByRole('link', { name: 'Retrieve a Blob' }).click();
  await page.getByLabel('URL', { exact: true }).fill('https://jsonblob.com/api/v2/jsonBlob/{{blobId}}');
  await page.getByRole('button', { name: 'Save request' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved “Retrieve a Blob”.');
  const saved = Date.now();

  await expect
    .poll(() => cloned()?.subject ?? '', { timeout: 20_000 })
    .toBe('Update "JSONBlob Core API": changed "Retrieve a Blob"');
  const committedWithin = Date.now() - saved;
  const head = cloned()!;
  expect(head.author).toBe(`${email.split('@')[0]} <${email}>`);

  // The committed file is the collection's canonical JSON: exactly what Export downloads.
  await page.goto(collectionUrl);
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export' }).click();
  const exported = readFileSync((await (await downloading).path())!, 'utf8');
  expect(head.file).toBe(exported);
  expect(head.file).toContain('https://jsonblob.com/api/v2/jsonBlob/{{blobId}}');
  test.info().annotations.push({ type: 'save → commit visible in a clone', description: `${committedWithin} ms` });
});
