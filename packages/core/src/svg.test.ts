import { describe, expect, it } from 'vitest';
import { OptionError } from './errors.js';
import { escapeXml, type LinePlotOptions, linePlot } from './svg.js';

/** Checks XML well-formedness the cheap way: balanced tags, quoted attributes, no stray `<` or `&`. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(last, m.index);
    expect(text, `text before <${m[1]}${m[2]}>`).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    expect(m[3]).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    if (m[1] === '/') expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (m[4] !== '/') stack.push(m[2]);
    last = tag.lastIndex;
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
}

const texts = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]);
const polylines = (svg: string) => [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => (m[1] === '' ? [] : m[1].split(' ')));

const shots = [1, 2, 4, 8, 16, 32, 64, 128];
const base: LinePlotOptions = {
  title: 'distance vs n',
  xLabel: 'demonstrations n',
  yLabel: 'L1',
  xScale: 'log2',
  series: [
    {
      name: 'L1',
      points: shots.map((n) => [n, 1 / Math.sqrt(n)] as const),
      band: shots.map((n) => [n, 0.9 / Math.sqrt(n), 1.1 / Math.sqrt(n)] as const),
    },
    { name: 'paper', points: shots.map((n) => [n, 0.5] as const), dashed: true },
  ],
};

describe('linePlot', () => {
  it('draws well-formed SVG with one line, band and legend entry per series', () => {
    const svg = linePlot(base);
    expectWellFormed(svg);
    expect(polylines(svg).map((p) => p.length)).toEqual([8, 8]);
    expect(svg.match(/<circle /g)).toHaveLength(16 + 2);
    const band = /<polygon class="band" points="([^"]*)"/.exec(svg);
    expect(band![1].split(' ')).toHaveLength(16);
    expect(texts(svg, 'legend')).toEqual(['L1', 'paper']);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('puts log2 ticks at the powers of 2 spanning the data', () => {
    expect(texts(linePlot(base), 'x-tick')).toEqual(['1', '2', '4', '8', '16', '32', '64', '128']);
    const wide = linePlot({ ...base, series: [{ name: 's', points: [[3, 1], [1000, 2]] }] });
    expect(texts(wide, 'x-tick')).toEqual(['2', '4', '8', '16', '32', '64', '128', '256', '512', '1024']);
    const fractional = linePlot({ ...base, series: [{ name: 's', points: [[0.25, 1], [2, 2]] }] });
    expect(texts(fractional, 'x-tick')).toEqual(['0.25', '0.5', '1', '2']);
  });

  it('places ticks evenly: equal pixel steps between powers of 2', () => {
    const xs = [...linePlot(base).matchAll(/<text class="x-tick" x="([\d.]+)"/g)].map((m) => Number(m[1]));
    const steps = xs.slice(1).map((x, i) => x - xs[i]);
    for (const s of steps) expect(s).toBeCloseTo(steps[0], 1);
  });

  it('uses round linear ticks and honours a fixed y range', () => {
    const linear = linePlot({ ...base, xScale: 'linear', series: [{ name: 's', points: [[0, 0.13], [10, 0.87]] }] });
    expect(texts(linear, 'x-tick')).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(texts(linear, 'y-tick')).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    const fixed = linePlot({ ...base, yRange: [0, 1] });
    expect(texts(fixed, 'y-tick')).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  it('skips NaN, infinite and (on log2) non-positive points without breaking the line', () => {
    const svg = linePlot({
      ...base,
      series: [
        {
          name: 'gappy',
          points: [[0, 0.5], [1, 0.1], [2, Number.NaN], [4, Number.POSITIVE_INFINITY], [8, 0.3], [Number.NaN, 0.2]],
          band: [[1, 0, 0.2], [2, Number.NaN, 1], [8, 0.2, 0.4]],
        },
      ],
    });
    expectWellFormed(svg);
    expect(polylines(svg)).toHaveLength(1);
    expect(polylines(svg)[0]).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(2 + 1);
    expect(/<polygon class="band" points="([^"]*)"/.exec(svg)![1].split(' ')).toHaveLength(4);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('escapes text in titles, labels and series names', () => {
    const svg = linePlot({
      ...base,
      title: 'a < b & c',
      xLabel: 'x > 0',
      yLabel: "P(y | x) 'exact'",
      series: [{ name: 'K<"theorem">&', points: [[1, 1], [2, 2]] }],
    });
    expectWellFormed(svg);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).toContain('x &gt; 0');
    expect(svg).toContain('P(y | x) &apos;exact&apos;');
    expect(svg).toContain('data-name="K&lt;&quot;theorem&quot;&gt;&amp;"');
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('draws empty axes when there is nothing to plot', () => {
    for (const series of [[], [{ name: 'all NaN', points: [[Number.NaN, 1]] as [number, number][] }]]) {
      const svg = linePlot({ ...base, series });
      expectWellFormed(svg);
      expect(texts(svg, 'x-tick')).toEqual(['1', '2']);
    }
  });

  it('gives different plots different clip-path ids', () => {
    const id = (svg: string) => /<clipPath id="([^"]+)"/.exec(svg)![1];
    expect(id(linePlot(base))).not.toBe(id(linePlot({ ...base, title: 'accuracy vs n' })));
    expect(id(linePlot(base))).toBe(id(linePlot(base)));
  });

  it('rejects an impossible y range with an OptionError', () => {
    expect(() => linePlot({ ...base, yRange: [1, 0] })).toThrow(OptionError);
    expect(() => linePlot({ ...base, yRange: [0, Number.NaN] })).toThrow(/not an increasing pair/);
  });
});
