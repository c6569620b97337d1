/**
 * A minimal SVG writer for architecture diagrams: boxes, circles, labelled arrows. Produces a
 * standalone, well-formed SVG document (every text escaped), with no dependencies.
 */

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A point. */
export interface Point {
  x: number;
  y: number;
}

/** Styles of shapes and edges (classes of the document's style sheet). */
export type ShapeStyle = 'input' | 'op' | 'node' | 'output' | 'dim';

const STYLE = [
  'text{font-family:Helvetica,Arial,sans-serif;font-size:12px;text-anchor:middle;dominant-baseline:central;fill:#222}',
  '.title{font-size:14px;font-weight:bold}',
  '.input{fill:#cfe2f3;stroke:#3d6b99}',
  '.op{fill:#fff2cc;stroke:#a68a2d}',
  '.node{fill:#e2efda;stroke:#4f7b3a}',
  '.output{fill:#f4cccc;stroke:#a33}',
  '.dim{fill:#f3f3f3;stroke:#bbb}',
  '.edge{fill:none;stroke:#555;stroke-width:1.3}',
  '.edge.dim{stroke:#bbb;stroke-dasharray:4 3}',
  'text.dim{fill:#aaa}',
  '.label{fill:#fff;stroke:none}',
].join('');

/** Collects shapes and writes them out as one SVG document. */
export class SvgDocument {
  private readonly shapes: string[] = [];
  private readonly edges: string[] = [];
  private maxX = 0;
  private maxY = 0;

  private grow(x: number, y: number): void {
    this.maxX = Math.max(this.maxX, x);
    this.maxY = Math.max(this.maxY, y);
  }

  /** A rounded box centred at `c` with a one-line label; `sub` renders a subscript after the label. */
  box(c: Point, width: number, height: number, label: string, style: ShapeStyle, sub?: string): void {
    const x = c.x - width / 2;
    const y = c.y - height / 2;
    this.grow(x + width, y + height);
    const tail = sub === undefined ? '' : `<tspan baseline-shift="sub" font-size="9px">${escapeXml(sub)}</tspan>`;
    this.shapes.push(
      `<g><rect class="${style}" x="${r(x)}" y="${r(y)}" width="${r(width)}" height="${r(height)}" rx="6"/>` +
        `<text x="${r(c.x)}" y="${r(c.y)}"${style === 'dim' ? ' class="dim"' : ''}>${escapeXml(label)}${tail}</text></g>`,
    );
  }

  /** A circle centred at `c` with a short label (`+`, `concat`, a node number). */
  circle(c: Point, radius: number, label: string, style: ShapeStyle): void {
    this.grow(c.x + radius, c.y + radius);
    this.shapes.push(`<g><circle class="${style}" cx="${r(c.x)}" cy="${r(c.y)}" r="${r(radius)}"/><text x="${r(c.x)}" y="${r(c.y)}">${escapeXml(label)}</text></g>`);
  }

  /** Free text (a title). */
  text(c: Point, label: string, cls = 'title'): void {
    // Centred text: grow by half its estimated width (about 8 px a character at 14 px).
    this.grow(c.x + 4 * label.length, c.y + 10);
    this.shapes.push(`<text class="${cls}" x="${r(c.x)}" y="${r(c.y)}">${escapeXml(label)}</text>`);
  }

  /**
   * An arrow from `a` to `b` as a cubic curve through the control points `c1`, `c2` (default: a
   * vertical S-curve). With `label`, the label sits on a white patch at the curve's middle.
   */
  arrow(a: Point, b: Point, options: { dim?: boolean; label?: string; c1?: Point; c2?: Point } = {}): void {
    const dy = (b.y - a.y) / 2;
    const c1 = options.c1 ?? { x: a.x, y: a.y + dy };
    const c2 = options.c2 ?? { x: b.x, y: b.y - dy };
    const cls = options.dim ? 'edge dim' : 'edge';
    this.grow(Math.max(c1.x, c2.x), Math.max(c1.y, c2.y));
    let out = `<path class="${cls}" d="M${r(a.x)},${r(a.y)} C${r(c1.x)},${r(c1.y)} ${r(c2.x)},${r(c2.y)} ${r(b.x)},${r(b.y)}" marker-end="url(#arrow)"/>`;
    if (options.label !== undefined) {
      // The Bezier midpoint at t = 0.5.
      const m = { x: (a.x + 3 * c1.x + 3 * c2.x + b.x) / 8, y: (a.y + 3 * c1.y + 3 * c2.y + b.y) / 8 };
      const w = 7 * options.label.length + 8;
      out += `<rect class="label" x="${r(m.x - w / 2)}" y="${r(m.y - 8)}" width="${r(w)}" height="16"/>`;
      out += `<text x="${r(m.x)}" y="${r(m.y)}"${options.dim ? ' class="dim"' : ''}>${escapeXml(options.label)}</text>`;
    }
    this.edges.push(out);
  }

  /** The document, sized to its content plus `margin`. */
  toString(margin = 20): string {
    const w = Math.ceil(this.maxX + margin);
    const h = Math.ceil(this.maxY + margin);
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
      `<style>${STYLE}</style>`,
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
      `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
      ...this.edges,
      ...this.shapes,
      '</svg>',
      '',
    ].join('\n');
  }
}

/** Rounds a coordinate to one decimal for compact output. */
function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}
