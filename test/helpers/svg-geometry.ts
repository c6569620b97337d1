/**
 * Reads the geometry of a Graphviz SVG back: each node's shape (box or ellipse) and each edge's spline,
 * arrowhead and label, in the drawing's own coordinates, so tests can check what is actually drawn.
 */

/** A node's outline: an axis-aligned box or an ellipse. */
export type Shape = { kind: 'box'; x0: number; y0: number; x1: number; y1: number } | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number };

export interface DrawnNode {
  name: string;
  shape: Shape;
  /** Text drawn inside it (tspans joined). */
  label: string;
}

export interface DrawnEdge {
  from: string;
  to: string;
  /** Points along the drawn spline (sampled), then the arrowhead's corners. */
  points: Array<[number, number]>;
  /** Label text, with its anchor point, when the edge has one. */
  label?: { text: string; x: number; y: number };
  /** The `stroke-dasharray` or style said dashed. */
  dashed: boolean;
}

const unescape = (s: string): string => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function numbers(text: string): number[] {
  return [...text.matchAll(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g)].map((m) => Number(m[0]));
}

function pairs(values: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < values.length; i += 2) out.push([values[i], values[i + 1]]);
  return out;
}

function boxOf(points: Array<[number, number]>): Shape {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { kind: 'box', x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function cubic(p0: [number, number], p1: [number, number], p2: [number, number], p3: [number, number], t: number): [number, number] {
  const u = 1 - t;
  const f = (i: 0 | 1): number => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i];
  return [f(0), f(1)];
}

/** Points along a Graphviz edge path `M p0 C p1 p2 p3 p4 p5 p6 ...`, `steps` per cubic segment. */
export function splinePoints(d: string, steps = 48): Array<[number, number]> {
  const pts = pairs(numbers(d));
  const out: Array<[number, number]> = [pts[0]];
  for (let i = 0; i + 3 < pts.length; i += 3) {
    for (let s = 1; s <= steps; s++) out.push(cubic(pts[i], pts[i + 1], pts[i + 2], pts[i + 3], s / steps));
  }
  return out;
}

/** Nodes and edges of a Graphviz SVG document. */
export function readGraphvizSvg(svg: string): { nodes: DrawnNode[]; edges: DrawnEdge[] } {
  const nodes: DrawnNode[] = [];
  const edges: DrawnEdge[] = [];
  for (const m of svg.matchAll(/<g id="[^"]*" class="(node|edge)">([\s\S]*?)<\/g>/g)) {
    const body = m[2];
    const title = unescape(/<title>([\s\S]*?)<\/title>/.exec(body)?.[1] ?? '');
    const texts = [...body.matchAll(/<text[^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*>([\s\S]*?)<\/text>/g)];
    const label = texts.map((t) => unescape(t[3].replace(/<[^>]+>/g, ''))).join('');
    if (m[1] === 'node') {
      const ellipse = /<ellipse[^>]*cx="([-\d.]+)" cy="([-\d.]+)" rx="([-\d.]+)" ry="([-\d.]+)"/.exec(body);
      const polygon = /<polygon[^>]*points="([^"]+)"/.exec(body);
      const path = /<path[^>]*d="([^"]+)"/.exec(body);
      const shape: Shape = ellipse
        ? { kind: 'ellipse', cx: Number(ellipse[1]), cy: Number(ellipse[2]), rx: Number(ellipse[3]), ry: Number(ellipse[4]) }
        : boxOf(pairs(numbers((polygon ?? path)?.[1] ?? '')));
      nodes.push({ name: title, shape, label });
      continue;
    }
    const [from, to] = title.split('->');
    const d = /<path[^>]*d="([^"]+)"/.exec(body)?.[1] ?? '';
    const head = /<polygon[^>]*points="([^"]+)"/.exec(body)?.[1] ?? '';
    edges.push({
      from, to, points: [...splinePoints(d), ...pairs(numbers(head))], dashed: /stroke-dasharray/.test(body),
      ...(texts.length ? { label: { text: label, x: Number(texts[0][1]), y: Number(texts[0][2]) } } : {}),
    });
  }
  return { nodes, edges };
}

/** True when (x, y) lies inside `shape` shrunk by `margin` on every side. */
export function inside(shape: Shape, x: number, y: number, margin = 1.5): boolean {
  if (shape.kind === 'box') return x > shape.x0 + margin && x < shape.x1 - margin && y > shape.y0 + margin && y < shape.y1 - margin;
  const rx = shape.rx - margin;
  const ry = shape.ry - margin;
  return rx > 0 && ry > 0 && ((x - shape.cx) / rx) ** 2 + ((y - shape.cy) / ry) ** 2 < 1;
}

/** Every place where an edge (or its arrowhead) runs through a node's shape: `edge a->b crosses c`. */
export function edgeCrossings(svg: string): string[] {
  const { nodes, edges } = readGraphvizSvg(svg);
  const out: string[] = [];
  for (const e of edges) {
    for (const n of nodes) {
      const hit = e.points.find(([x, y]) => inside(n.shape, x, y));
      if (hit) out.push(`edge ${e.from}->${e.to} crosses ${n.name} at (${hit[0].toFixed(1)}, ${hit[1].toFixed(1)})`);
    }
  }
  return out;
}
