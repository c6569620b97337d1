/**
 * HTML pieces of the report and the dashboard: escaping, tables, figures, sections and the page
 * around them (inline style, nothing loaded from anywhere).
 */

/** Escapes text for HTML content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A score or other figure with four significant decimals. */
export function num(v: number | undefined, digits = 4): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits);
}

/** A count with thousands separators and a short unit (k, M, G) above ten thousand. */
export function count(v: number | undefined): string {
  if (v === undefined) return '-';
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return v.toLocaleString('en-US');
}

/** A duration in seconds as `42 s`, `3.5 min` or `2.1 h`. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A table; cells are HTML (escape text with `esc`). `cls` marks the table for tests and styles. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A figure: an inline SVG with a caption. */
export function figure(svg: string, caption: string, cls = 'chart'): string {
  return `<figure class="${cls}">${svg}<figcaption>${caption}</figcaption></figure>`;
}

/** A section of a run's page. */
export interface Section {
  /** Anchor, unique in the page. */
  id: string;
  title: string;
  html: string;
}

/** Sections with their headings, and a table of contents linking them. */
export function sectionsHtml(sections: readonly Section[]): { nav: string; body: string } {
  const nav = `<nav>${sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('')}</nav>`;
  const body = sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return { nav, body };
}

const STYLE = `
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#d6e2ee}
main{padding:8px 24px 40px}nav{display:flex;flex-wrap:wrap;gap:6px 14px;margin:10px 0 4px;font-size:13px}
nav a{color:#1f5fa8;text-decoration:none}section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:14px 0;padding:4px 16px 12px}
h2{font-size:16px;margin:12px 0 8px}h3{font-size:14px;margin:10px 0 6px}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;max-width:100%}figure svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:#555;max-width:600px;margin-top:2px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}th,td{border-bottom:1px solid #e6e6e6;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}td.n,th.n{text-align:right}code,.mono{font-family:Menlo,Consolas,monospace;font-size:12px}
.scroll{max-height:360px;overflow:auto;border:1px solid #eee}.figures{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
.kv td:first-child{color:#555}.note{color:#8a5a00;font-size:12.5px}.cells figure{border:1px solid #eee;padding:4px}
.live{font-size:12px;color:#d6e2ee}article{margin-bottom:24px}details>summary{cursor:pointer;font-weight:600;margin:8px 0}
`;

/** Options of {@link page}. */
export interface PageOptions {
  /** The page's title (also the heading). */
  title: string;
  /** A line under the heading. */
  subtitle: string;
  /** The body (sections, articles). */
  body: string;
  /** A script for the dashboard (none in a static report). */
  script?: string;
  /** Content-Security-Policy: what the page may load. Default: nothing but inline styles and data: images. */
  csp?: string;
  /** The version of the data shown (the dashboard compares it with the server's). Optional. */
  version?: string;
}

/** A complete HTML document. */
export function page(o: PageOptions): string {
  const csp = o.csp ?? "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title><style>${STYLE}</style></head>
<body${o.version !== undefined ? ` data-version="${esc(o.version)}"` : ''}><header><h1>${esc(o.title)}</h1><p id="subtitle">${o.subtitle}</p></header>
<main id="main">
${o.body}
</main>${o.script ? `\n<script>${o.script}</script>` : ''}
</body></html>
`;
}
