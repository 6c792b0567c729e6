/// <reference lib="dom" />
// page.evaluate callbacks run in the browser.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; `npm test` installs it (playwright-core downloads no browser). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: test-results/console (kept by CI as artifacts, ignored by git). */
export const SCREENSHOTS = path.resolve(fileURLToPath(new URL('../../test-results/console', import.meta.url)));

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: run npm test (it installs Debian's chromium) or apt-get install chromium`,
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page that fails the test on any uncaught error in the app. */
export async function newPage(browser: Browser, baseURL: string): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1400, height: 1000 } });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in on the local stack's sign-in page, by keyboard as a user would. */
export async function signIn(page: Page, role: string, sub: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Role').selectOption(role);
  await page.getByLabel('User id').fill(sub);
  await page.getByLabel('User id').press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Form controls on the page that have no accessible name (a label, aria-label or aria-labelledby). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => {
        const control = el as HTMLInputElement;
        return (
          control.type !== 'hidden' &&
          (control.labels?.length ?? 0) === 0 &&
          !control.getAttribute('aria-label') &&
          !control.getAttribute('aria-labelledby')
        );
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}
