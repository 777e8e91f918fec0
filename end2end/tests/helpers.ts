import { expect, Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** An address no other test (or earlier run against the same database) has used. */
export const uniqueEmail = (name: string) => `${name}.${Date.now()}.${counter++}@example.com`;

export async function signUp(page: Page, email: string) {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('account-email')).toHaveText(email);
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
