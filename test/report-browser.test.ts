import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStatus } from '../src/run/status.ts';
import { launchChromium, screenshot, skipWithoutChromium, watchedPage, type TestBrowser } from './helpers/browser.ts';
import { makeReportRuns, ok, type ReportRuns } from './helpers/report-runs.ts';

const skip = skipWithoutChromium();
const NAS = fileURLToPath(new URL('../bin/nas.js', import.meta.url));

/** A raw GET (the path sent exactly as given, no normalisation), with an optional Host header. */
function get(port: number, path: string, o: { host?: string; method?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', setHost: o.host === undefined, headers: o.host ? { host: o.host } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `nas dashboard` in its own process and resolves with its URL once it listens. */
function startDashboard(dir: string): Promise<{ proc: ChildProcess; url: URL; exited: Promise<number | null>; out: () => string }> {
  const proc = spawn(process.execPath, [NAS, 'dashboard', dir, '--port', '0', '--poll', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dashboard did not start: ${out}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /(http:\/\/\S+\/) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: new URL(m[1]), exited, out: () => out });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${out}`)));
  });
}

describe.skipIf(skip)('the report and the dashboard in headless Chromium', () => {
  let dir: string;
  let runs: ReportRuns;
  let browser: TestBrowser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nas-report-browser-'));
    runs = await makeReportRuns(dir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the report of one run opens from the file alone: no console errors, every view, the run\'s numbers', async () => {
    const out = join(dir, 'aging1.html');
    await ok('report', runs.aging1, '--out', out);
    const { page, log } = await watchedPage(browser);
    await page.goto(pathToFileURL(out).href);
    const status = runStatus(runs.aging1, 10);
    for (const id of ['summary', 'progress', 'children', 'lineage', 'architectures', 'time', 'top']) expect(await page.locator(`section#${id}`).count(), id).toBe(1);
    expect(await page.locator('section#progress svg').count()).toBe(3);
    expect(await page.locator('section#children svg').count()).toBe(2);
    expect(await page.textContent('.best-id')).toBe(String(status.best?.id));
    expect(await page.textContent('.best-score')).toBe(status.best?.score?.toFixed(4));
    expect(await page.textContent('.evaluations')).toBe(String(status.evaluated));
    expect(await page.textContent('.seed')).toBe(String(status.config.seed));
    const top = await page.locator('table.top tbody tr td:first-child').allTextContents();
    expect(top).toEqual(status.top.map((t) => `#${t.id}`));
    expect(await page.locator('table.population tbody tr').count()).toBe(status.population.length);
    const ancestry = await page.locator('table.ancestry tbody tr td:first-child').allTextContents();
    expect(ancestry[ancestry.length - 1]).toBe(`#${status.best?.id}`);
    // The three best children's cells, drawn by Graphviz: four nodes each, the best one's ops on its edges.
    expect(await page.locator('section#architectures figure.cell svg').count()).toBe(3);
    const bestOps = (status.best?.config as { edges: string[] }).edges;
    const firstCell = await page.locator('section#architectures figure.cell svg').first().locator('g.edge text').allTextContents();
    expect(firstCell.sort()).toEqual([...bestOps].sort());
    // Every chart is laid out at a readable size.
    for (const svg of await page.locator('section svg').all()) expect((await svg.boundingBox())?.width ?? 0).toBeGreaterThan(100);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([pathToFileURL(out).href]);
    await screenshot(page, 'report-one-run');
    await page.close();
  });

  it('several runs in one report: overlaid curves, seeds grouped as mean and spread, each run\'s own views', async () => {
    const out = join(dir, 'all.html');
    await ok('report', runs.aging1, runs.aging2, runs.hyperband, runs.joint, '--out', out);
    const { page, log } = await watchedPage(browser);
    await page.goto(pathToFileURL(out).href);
    // One overlay per objective (the table, Branin), and the two aging runs as one group of seeds.
    expect(await page.locator('section#compare svg').count()).toBe(3);
    const groups = await page.locator('table.groups tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(groups.map((g) => [g[0], g[1], g[2]])).toEqual([['aging on nas-bench-201 {"population":20,"sample":5}', '2', '200']]);
    expect(await page.locator('article').count()).toBe(4);
    // Hyperband: the rungs and promotions; the joint TPE run: parameters and their importance.
    expect(await page.locator('article#r3 section#r3-rungs table.rungs tbody tr td:first-child').allTextContents()).toEqual(['1', '3', '9', '27']);
    expect(await page.locator('article#r3 section#r3-lineage').count()).toBe(0);
    expect(await page.locator('article#r4 section#r4-parameters svg').count()).toBeGreaterThanOrEqual(1 + 9);
    const bestHb = runStatus(runs.hyperband).best?.score as number;
    expect(await page.locator('article#r3 .best-score').textContent()).toBe(bestHb.toFixed(4));
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([pathToFileURL(out).href]);
    await screenshot(page, 'report-four-runs');
    await page.close();
  });

  it('the dashboard: every run live, read-only, on loopback only, nothing outside its runs', async () => {
    const home = join(dir, 'dash');
    mkdirSync(home);
    const runsDir = join(home, 'runs');
    cpSync(join(dir, 'runs'), runsDir, { recursive: true });
    // A link inside the directory to a run outside it: never listed, never served.
    const outside = join(dir, 'outside');
    cpSync(runs.aging1, join(outside, 'secret-run'), { recursive: true });
    symlinkSync(join(outside, 'secret-run'), join(runsDir, 'linked'));
    const live = join(runsDir, 'live');
    const step = (resume: boolean): Promise<string> => ok('search', ...(resume ? ['--resume', live] : ['--strategy', 'aging', '--space', 'nas-bench-201', '--population', '10', '--sample', '3',
      '--objective', `table:${runs.table}`, '--budget', '400', '--seed', '9', '--run-dir', live]), '--executor', 'inline', '--stop-after', '120');
    await step(false);
    const d = await startDashboard(runsDir);
    try {
      expect(d.url.hostname).toBe('127.0.0.1');
      const port = Number(d.url.port);
      const others = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4').map((i) => i?.address as string);
      for (const address of others) {
        const refused = await new Promise<boolean>((resolve) => connect(port, address).on('connect', () => resolve(false)).on('error', () => resolve(true)));
        expect(refused, `reachable on ${address}`).toBe(true);
      }
      const { page, log } = await watchedPage(browser);
      await page.goto(d.url.href);
      const listed = await page.locator('table.runs').first().locator('tbody tr td:first-child').allTextContents();
      expect(listed).toEqual(['aging1', 'aging2', 'hyperband', 'joint', 'live']);
      await page.click('text=live');
      await page.waitForURL(/\/run\/live$/);
      const before = Number(await page.textContent('.evaluations'));
      expect(before).toBe(runStatus(live).evaluated);
      await screenshot(page, 'dashboard-run');
      // The run goes on; the open page follows it without a reload.
      await step(true);
      const after = runStatus(live).evaluated;
      expect(after).toBeGreaterThan(before);
      await vi.waitFor(async () => expect(await page.textContent('.evaluations')).toBe(String(after)), { timeout: 20_000, interval: 200 });
      expect(await page.textContent('.best-score')).toBe(runStatus(live).best?.score?.toFixed(4));
      // A new run under the directory appears on the overview.
      await page.goto(d.url.href);
      await ok('search', '--strategy', 'random', '--space', 'nas-bench-201', '--objective', `table:${runs.table}`, '--budget', '20', '--seed', '5', '--run-dir', join(runsDir, 'later'), '--executor', 'inline');
      await vi.waitFor(async () => expect(await page.locator('table.runs').first().locator('tbody tr td:first-child').allTextContents()).toContain('later'), { timeout: 20_000, interval: 200 });
      await screenshot(page, 'dashboard-overview');
      expect(log.errors).toEqual([]);
      expect(log.requests.every((u) => u.startsWith(d.url.origin))).toBe(true);
      await page.close();

      // Nothing outside the runs, whatever the path says.
      for (const path of ['/run/../../etc/passwd', '/run/%2e%2e/%2e%2e/etc/passwd', '/run/..%2f..%2fetc%2fpasswd', '/run/live/../../../etc/passwd', '/..\\..\\etc\\passwd', '/run/%252e%252e/x']) {
        const r = await get(port, path);
        expect(r.status, path).toBe(400);
        expect(r.body).toMatch(/path traversal refused/);
      }
      for (const path of ['/etc/passwd', '/runs/live/config.json', '/live/journal.jsonl', '/run/linked', '/run/secret-run', `/run/${encodeURIComponent(outside)}`]) {
        const r = await get(port, path);
        expect(r.status, path).toBe(404);
        expect(r.body).not.toMatch(/"seed"|asked/);
      }
      expect((await get(port, '/run/live')).status).toBe(200);
      // Read-only, and only for requests addressed to this machine's loopback names.
      expect((await get(port, '/run/live', { method: 'POST' })).status).toBe(405);
      expect((await get(port, '/run/live', { method: 'DELETE' })).status).toBe(405);
      expect((await get(port, '/', { host: 'attacker.example:80' })).status).toBe(421);
      expect((await get(port, '/', { host: `localhost:${port}` })).status).toBe(200);
    } finally {
      d.proc.kill('SIGTERM');
    }
    expect(await d.exited).toBe(0);
    expect(d.out()).toMatch(/stopped \(SIGTERM\)/);
  });
});
