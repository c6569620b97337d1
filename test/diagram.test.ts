import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { genomeDiagrams, nasnetCellSvg, nb201CellSvg, renderDot } from '../src/genome/diagram.ts';
import { escapeLabel } from '../src/genome/diagram-dot.ts';
import { applyLargeScaleMutation, initialLargeScale, mutateLargeScale } from '../src/genome/large-scale-mutate.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { edgeCrossings, inside, readGraphvizSvg, type DrawnNode } from './helpers/svg-geometry.ts';

/**
 * A strict well-formedness check for the XML subset SVG writers emit: one root element, balanced and
 * properly nested tags, quoted attributes without raw '<' or '&', text without raw '<' and only the
 * five predefined entities and numeric character references.
 */
function checkWellFormed(xml: string): { elements: string[]; texts: string[] } {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/<!DOCTYPE[^>]*>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  const elements: string[] = [];
  const texts: string[] = [];
  let roots = 0;
  const entity = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    if (entity.test(text)) throw new Error(`bad entity in text ${JSON.stringify(text)}`);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root: ${JSON.stringify(text)}`);
      texts.push(text);
    }
    if (lt < 0) break;
    const gt = body.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&]*)*")*)\s*\/?$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    if (stack.length === 0) roots++;
    elements.push(m[1]);
    if (!selfClosing) stack.push(m[1]);
  }
  if (stack.length > 0) throw new Error(`unclosed ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return { elements, texts };
}

/** Distance from a point to a node's outline (0 on it, negative inside). */
function distanceTo(node: DrawnNode, x: number, y: number): number {
  const s = node.shape;
  if (s.kind === 'ellipse') return Math.hypot((x - s.cx) / s.rx, (y - s.cy) / s.ry) * Math.min(s.rx, s.ry) - Math.min(s.rx, s.ry);
  const dx = Math.max(s.x0 - x, 0, x - s.x1);
  const dy = Math.max(s.y0 - y, 0, y - s.y1);
  return Math.hypot(dx, dy);
}

/** Geometry every diagram must have: no edge through a box, each edge leaving its tail and ending at its head. */
function checkGeometry(svg: string): ReturnType<typeof readGraphvizSvg> {
  expect(edgeCrossings(svg)).toEqual([]);
  const drawn = readGraphvizSvg(svg);
  const byName = new Map(drawn.nodes.map((n) => [n.name, n]));
  for (const e of drawn.edges) {
    const first = e.points[0];
    expect(distanceTo(byName.get(e.from) as DrawnNode, ...first), `${e.from}->${e.to} leaves its tail`).toBeLessThan(3);
    const head = byName.get(e.to) as DrawnNode;
    expect(Math.min(...e.points.slice(-4).map(([x, y]) => distanceTo(head, x, y))), `${e.from}->${e.to} ends at its head`).toBeLessThan(3);
  }
  return drawn;
}

describe('cell diagrams laid out by Graphviz', () => {
  it('the well-formedness check itself rejects broken XML', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => checkWellFormed('<svg a=1/>')).toThrow();
    expect(() => checkWellFormed('<svg/><svg/>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a &amp; b</text></svg>')).not.toThrow();
  });

  it('the crossing check finds an edge drawn straight through a box', async () => {
    const svg = await renderDot('digraph { splines=line; a -> b; b -> c; a -> c; { rank=same; a; b; c; } }');
    expect(edgeCrossings(svg)).toEqual([expect.stringMatching(/^edge a->c crosses b/)]);
    const shape = { kind: 'box', x0: 0, y0: 0, x1: 10, y1: 10 } as const;
    expect([inside(shape, 5, 5), inside(shape, 0.5, 5), inside(shape, 12, 5)]).toEqual([true, false, false]);
  });

  it('NASNet: every op a box, two inputs per add, concat and output; no edge crosses a box', async () => {
    const space = loadSpace('nasnet-cell');
    for (let seed = 1; seed <= 60; seed++) {
      const g = space.sample(Rng.seeded(seed)) as NasnetGenome;
      const files = await genomeDiagrams(g);
      expect(Object.keys(files).sort()).toEqual(['normal.svg', 'reduction.svg']);
      for (const cell of ['normal', 'reduction'] as const) {
        const svg = files[`${cell}.svg`];
        expect(checkWellFormed(svg).elements[0]).toBe('svg');
        const { nodes, edges } = checkGeometry(svg);
        const labels = nodes.map((n) => n.label);
        const ops = g[cell].blocks.flatMap((b) => b.ops);
        for (const op of new Set(ops)) expect(labels.filter((t) => t === op).length).toBe(ops.filter((o) => o === op).length);
        expect(labels).toEqual(expect.arrayContaining(['hi-2', 'hi-1', 'hi']));
        expect(labels.filter((t) => t === '+').length).toBe(g[cell].blocks.length);
        expect(labels.filter((t) => t === 'concat').length).toBe(1);
        // Each add has exactly its block's two ops as inputs; each op reads the hidden state its block names.
        g[cell].blocks.forEach((block, b) => {
          expect(edges.filter((e) => e.to === `add${b}`).map((e) => e.from).sort()).toEqual([`op${b}_0`, `op${b}_1`]);
          [0, 1].forEach((side) => {
            const h = block.inputs[side];
            expect(edges.filter((e) => e.to === `op${b}_${side}`).map((e) => e.from)).toEqual([h < 2 ? `h${h}` : `add${h - 2}`]);
          });
        });
        const used = new Set(g[cell].blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
        const loose = g[cell].blocks.map((_, b) => `add${b}`).filter((_, b) => !used.has(b + 2));
        expect(edges.filter((e) => e.to === 'concat').map((e) => e.from).sort()).toEqual(loose.sort());
        expect(edges.length).toBe(4 * g[cell].blocks.length + loose.length + 1);
      }
    }
  });

  it('NAS-Bench-201: four nodes, six labelled edges, none and dead edges dashed; no edge crosses a node', async () => {
    // Edge 2->3 is live but node 2 gets nothing from the input: 1->2 and 0->2 are none, so 2->3 is dead.
    const g = nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|');
    const svg = await nb201CellSvg(g);
    checkWellFormed(svg);
    const { nodes, edges } = checkGeometry(svg);
    expect(nodes.map((n) => n.label).sort()).toEqual(['0', '1', '2', '3']);
    expect(edges.map((e) => e.label?.text).sort()).toEqual([...g.edges].sort());
    expect(edges.filter((e) => e.dashed).map((e) => e.label?.text).sort()).toEqual(['none', 'none', 'nor_conv_1x1']);
    // Labels sit outside every node.
    for (const e of edges) for (const n of nodes) expect(inside(n.shape, (e.label as { x: number }).x, (e.label as { y: number }).y)).toBe(false);
    const space = loadSpace('nas-bench-201');
    for (let seed = 1; seed <= 40; seed++) checkGeometry((await genomeDiagrams(space.sample(Rng.seeded(seed)) as never))['cell.svg']);
  });

  it('large-scale: every layer, every skip and the classifier; no edge crosses a box', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const rng = Rng.seeded(seed);
      let g: LargeScaleGenome = applyLargeScaleMutation(initialLargeScale(rng), 'insert-convolution', rng).genome;
      for (let i = 0; i < 30; i++) g = mutateLargeScale(g, rng).genome;
      const svg = (await genomeDiagrams(g))['network.svg'];
      checkWellFormed(svg);
      const { nodes, edges } = checkGeometry(svg);
      const labels = nodes.map((n) => n.label);
      for (const l of g.layers) expect(labels.some((t) => t.startsWith(l.kind === 'conv' ? `conv_${l.id} ` : l.kind === 'bn-relu' ? `bn_${l.id} ` : `identity_${l.id}`))).toBe(true);
      expect(edges.filter((e) => e.label).map((e) => e.label?.text).sort()).toEqual(g.skips.map((s) => `skip_${s.id}`).sort());
      expect(labels).toEqual(expect.arrayContaining(['input', 'global avg pool', 'dense (logits)', 'softmax']));
    }
  });

  it('escapes text', async () => {
    expect(escapeLabel('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    const svg = await nasnetCellSvg({ blocks: [{ inputs: [0, 1], ops: ['identity', 'identity'] }] }, 'a <title> & more');
    checkWellFormed(svg);
    expect(svg).toContain('a &lt;title&gt; &amp; more');
  });
});
