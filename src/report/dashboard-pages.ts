/**
 * The dashboard's pages: the overview of every run under its directory and each run's page (the
 * report's own sections), rendered on demand and cached until the run's files change.
 */
import { createHash } from 'node:crypto';
import { compareRuns } from './charts-compare.ts';
import { discoverRuns, runVersion, type FoundRun } from './discover.ts';
import { esc, num, page, table } from './html.ts';
import { reportBody } from './report.ts';
import { loadRunData, type RunData } from './run-data.ts';
import { runCounts } from './sections.ts';

/** The address of a run's page. */
export const runHref = (id: string): string => `/run/${id.split('/').map(encodeURIComponent).join('/')}`;

/** The script every dashboard page runs: poll the page's version, swap in the new page when it changes. */
function liveScript(pollMs: number): string {
  return `(function(){
var base=location.pathname.replace(/\\/+$/,'');var url=(base||'')+'/version';var current=document.body.getAttribute('data-version');
var badge=document.getElementById('live');
function show(t){if(badge)badge.textContent=t;}
function poll(){fetch(url,{cache:'no-store'}).then(function(r){if(!r.ok)throw new Error(String(r.status));return r.text();}).then(function(v){
if(v===current){show('live: up to date at '+new Date().toLocaleTimeString());return;}
return fetch(location.pathname,{cache:'no-store'}).then(function(r){return r.text();}).then(function(html){
var doc=new DOMParser().parseFromString(html,'text/html');var main=doc.getElementById('main');var sub=doc.getElementById('subtitle');
if(main){document.getElementById('main').replaceWith(document.importNode(main,true));}
if(sub){document.getElementById('subtitle').innerHTML=sub.innerHTML;}
current=doc.body.getAttribute('data-version');badge=document.getElementById('live');show('live: updated at '+new Date().toLocaleTimeString());});
}).catch(function(e){show('live: cannot reach the dashboard ('+e.message+'); retrying');}).then(function(){setTimeout(poll,${Math.max(200, Math.round(pollMs))});});}
setTimeout(poll,${Math.max(200, Math.round(pollMs))});})();`;
}

/** A page, its version token and the headers it needs. */
export interface RenderedPage {
  html: string;
  version: string;
  csp: string;
}

/** Options of {@link DashboardPages}. */
export interface DashboardPagesOptions {
  /** The directory whose runs are shown. */
  dir: string;
  /** How often a page asks whether it changed, in milliseconds. Default 2000. */
  pollMs?: number;
}

/** Renders and caches the dashboard's pages. */
export class DashboardPages {
  private readonly data = new Map<string, { version: string; run: RunData }>();
  private readonly pages = new Map<string, { version: string; page: Promise<RenderedPage> }>();
  private readonly script: string;
  private readonly csp: string;

  constructor(private readonly o: DashboardPagesOptions) {
    this.script = liveScript(o.pollMs ?? 2000);
    const hash = createHash('sha256').update(this.script).digest('base64');
    this.csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'; connect-src 'self'`;
  }

  /** The runs under the directory now. */
  runs(): FoundRun[] {
    return discoverRuns(this.o.dir);
  }

  /** The overview's version: which runs there are and each one's version. */
  overviewVersion(runs = this.runs()): string {
    return createHash('sha1').update(runs.map((r) => `${r.id}=${runVersion(r.dir)}`).join('\n')).digest('hex').slice(0, 16);
  }

  /** A run's version. */
  runVersion(run: FoundRun): string {
    return runVersion(run.dir);
  }

  private load(run: FoundRun): RunData {
    const version = runVersion(run.dir);
    const cached = this.data.get(run.dir);
    if (cached?.version === version) return cached.run;
    const data = loadRunData(run.dir);
    this.data.set(run.dir, { version, run: data });
    return data;
  }

  /** Renders once per version; concurrent requests share the rendering. */
  private cached(key: string, version: string, render: () => Promise<string>): Promise<RenderedPage> {
    const hit = this.pages.get(key);
    if (hit?.version === version) return hit.page;
    const made = render().then((html) => ({ html, version, csp: this.csp }));
    made.catch(() => this.pages.delete(key));
    this.pages.set(key, { version, page: made });
    return made;
  }

  /** The page of every run: a table of runs and their best-so-far curves. */
  overview(): Promise<RenderedPage> {
    const runs = this.runs();
    const version = this.overviewVersion(runs);
    return this.cached('/', version, async () => {
      const data = runs.map((r) => this.load(r));
      const rows = runs.map((r, i) => {
        const d = data[i];
        const n = runCounts(d);
        return [`<a href="${esc(runHref(r.id))}">${esc(r.id)}</a>`, esc(d.config.strategy), esc(d.config.space), String(d.config.seed),
          `${n.evaluated} / ${d.config.budget}`, num(d.best?.score), d.lastEventAt ? new Date(d.lastEventAt).toISOString().replace('T', ' ').slice(0, 19) : '-'];
      });
      const list = runs.length ? table(['run', 'strategy', 'space', 'seed', 'evaluations', 'best', 'last event (UTC)'], rows, 'runs') : '<p>No runs here yet; this page shows them as they start.</p>';
      const shown = runs.filter((_, i) => data[i].evaluated.length > 0);
      const compare = shown.length ? await compareRuns(shown.map((r) => data[runs.indexOf(r)]), shown.map((r) => r.id), shown.map((r) => runHref(r.id))) : '';
      const body = `<section id="runs"><h2>Runs under ${esc(this.o.dir)}</h2>${list}</section>${compare ? `<section id="compare"><h2>All runs</h2>${compare}</section>` : ''}`;
      return page({ title: 'nas dashboard', subtitle: `${runs.length} run${runs.length === 1 ? '' : 's'} <span id="live" class="live"></span>`, body, script: this.script, csp: this.csp, version });
    });
  }

  /** One run's page: the report's sections, live. */
  run(found: FoundRun): Promise<RenderedPage> {
    const version = runVersion(found.dir);
    return this.cached(`run:${found.id}`, version, async () => {
      const { title, subtitle, body } = await reportBody([this.load(found)]);
      return page({ title, subtitle: `${subtitle} &middot; <a href="/" style="color:#fff">all runs</a> <span id="live" class="live"></span>`, body, script: this.script, csp: this.csp, version });
    });
  }
}
