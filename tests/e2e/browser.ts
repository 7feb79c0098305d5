import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '../../src/auth/roles';
import type { TestHub } from '../setup/test-app';

/** Debian's chromium: `npx playwright install` cannot download browsers on these machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * `describe` when a browser is installed. Without one the tests are skipped, with the reason
 * printed, on a developer's machine; under CI=true they fail instead, since CI must run them.
 */
export function describeInBrowser(name: string, tests: () => void): void {
  if (fs.existsSync(CHROMIUM)) {
    describe(name, tests);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a browser to run in', () => {
        throw new Error(
          `${CHROMIUM} is missing: CI runs the browser tests (apt-get install chromium)`,
        );
      });
    });
  } else {
    console.warn(
      `Skipping the browser tests "${name}": ${CHROMIUM} is missing. Install it ` +
        '(apt-get install chromium) or set CHROMIUM_PATH.',
    );
    describe.skip(name, tests);
  }
}

/** The environment's settings for a headless Chromium that talks to nobody but the hub. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Every request the page tried to send beyond this machine (each was aborted). */
  outside: string[];
  /**
   * Errors the page's scripts threw, and those the browser logged (a resource it could not
   * load: a 404 that only shows in the browser's console).
   */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context (its own storage) whose every request to another host is aborted
 * and recorded: the console must work on a network closed to the internet.
 */
export async function openConsole(browser: Browser, hub: TestHub): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !LOOPBACK.has(url.hostname)) {
      outside.push(url.href);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  await page.goto(new URL('/console/', hub.url).href);
  return { page, context, outside, errors, close: () => context.close() };
}

/** Signs in through the form, as a user pasting a token `npm start` printed; returns it. */
export async function signIn(
  page: Page,
  hub: TestHub,
  role: Role,
  token = hub.token(role),
): Promise<string> {
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return token;
}

/** Opens a screen by its address, as the navigation links do. */
export async function openScreen(page: Page, screen: string): Promise<void> {
  await page.evaluate(`location.hash = '#/${screen}'`);
}

/**
 * Where screenshots go: docs/screenshots with `npm run screenshots` (committed and shown in
 * the README), a temporary folder otherwise, so that a test run leaves the checkout clean.
 */
const SCREENSHOTS =
  process.env.SCREENSHOT_DIR || path.join(os.tmpdir(), 'cif-hub-console-screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
