import { expect, test, APIRequestContext } from '@playwright/test';
import { slackReceiver } from '../harness/ferry';
import { signUp, uniqueEmail } from './helpers';

// The Slack-compatible receiver the harness started (same port: the config chose it).
const slack = slackReceiver();

/** What the receiver's channel was sent, as text. */
async function channelText(request: APIRequestContext, channel: string): Promise<string> {
  const messages: { channel: string; payload: unknown }[] = await (await request.get(`${slack.url}/_control/messages`)).json();
  return JSON.stringify(messages.filter((m) => m.channel === channel).map((m) => m.payload));
}

test('Integrations → search “slack” → Add Integration → a collection change reaches the channel', async ({ page, request }) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  const channel = `api-team-${Date.now()}`;
  const hook: { url: string } = await (await request.post(`${slack.url}/_control/hooks`, { data: { channel } })).json();
  await signUp(page, uniqueEmail('sam'));

  await page.goto('/integrations');
  await page.getByLabel('Search integrations').pressSequentially('slack');
  const cards = page.getByRole('list', { name: 'Available integrations' });
  await expect(cards.getByRole('link')).toHaveText(['Slack']);
  await cards.getByRole('link', { name: 'Slack' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Slack');
  await expect(page.getByTestId('no-hooks')).toBeVisible();

  await page.getByRole('link', { name: 'Add Integration' }).click();
  await page.getByLabel('Nickname').fill('API team channel');
  await page.getByLabel('Webhook URL').fill(hook.url);
  await expect(page.getByLabel('Collection changed')).toBeChecked();
  await page.getByRole('button', { name: 'Add Integration' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API team channel');
  await expect(page.getByTestId('one-time-secret')).toContainText('whsec_');
  const hookPage = new URL(page.url()).pathname;

  // A collection is created, then changed: the channel hears of both.
  await page.goto('/collections');
  await page.getByLabel('Name', { exact: true }).fill('Pets API');
  await page.getByRole('button', { name: 'Create collection' }).click();
  await expect(page.getByRole('status')).toHaveText('Collection “Pets API” created.');
  await page.getByLabel('New item name').fill('List pets');
  await page.getByLabel('New request URL').fill('https://api.example.com/pets');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Added “List pets”.');
  await expect.poll(() => channelText(request, channel), { timeout: 15_000 }).toContain('List pets');
  expect(await channelText(request, channel)).toContain('Pets API');

  // The delivery log shows both deliveries, delivered.
  await page.goto(hookPage);
  const log = page.getByTestId('delivery');
  await expect(log).toHaveCount(2);
  await expect(log.first()).toContainText('collection.changed');
  await expect(log.first().getByTestId('delivery-state')).toHaveText('delivered');

  // Send test event: it reaches the channel and the log.
  await page.getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status')).toContainText('Test event');
  await expect.poll(() => channelText(request, channel), { timeout: 15_000 }).toContain('A test event for');
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId('delivery').first().innerText();
    }, { timeout: 15_000 })
    .toMatch(/test[\s\S]*delivered/);
  expect(problems).toEqual([]);
});
