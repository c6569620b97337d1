/**
 * Headless Chromium for the report and dashboard tests: Debian's `chromium` (or the browser named by
 * NAS_CHROMIUM) driven by playwright-core, with a fresh profile in a temporary folder and the flags that
 * keep it off the network on its own account (no background networking, component updates or sync).
 * Screenshots go to test-output/ (git-ignored), kept after the run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requires } from './requirements.ts';

/** The browser executable: NAS_CHROMIUM, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.NAS_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests keep screenshots. */
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output', import.meta.url));

/** Whether browser tests must skip (no Chromium; an error instead under NAS_TEST_REQUIRE). */
export function skipWithoutChromium(): boolean {
  return requires('chromium', existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set NAS_CHROMIUM to a Chromium or Chrome executable)`);
}

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-default-browser-check',
];

/** A browser with a fresh profile; `close` ends it and removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'nas-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1280, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page reported while a test used it: console errors, uncaught errors, every URL it requested. */
export interface PageLog {
  errors: string[];
  requests: string[];
}

/** A new page whose console errors, page errors and requests are recorded. */
export async function watchedPage(browser: TestBrowser): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.context.newPage();
  const log: PageLog = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(e.message));
  page.on('request', (r) => log.requests.push(r.url()));
  return { page, log };
}

/** Saves a full-page screenshot as test-output/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const path = join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
