import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress.js';

describe('ProgressBar', () => {
  it('is silent during the first second, then redraws one terminal line', () => {
    let out = '';
    let now = 0;
    const bar = new ProgressBar({ write: (t: string) => (out += t), isTTY: true }, 'predict', () => now);
    now = 500;
    bar.update(1, 4);
    expect(out).toBe('');
    now = 2000;
    bar.update(2, 4);
    expect(out).toMatch(/^\r\[#{14}-{14}\] predict 50% 2\/4 2s elapsed, 2s left/);
    bar.finish();
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints a first line, then one per quarter, when stderr is not a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ write: (t: string) => lines.push(t) }, 'loo', () => now);
    now = 1500;
    for (let i = 1; i <= 100; i++) bar.update(i, 100);
    expect(lines.length).toBe(5);
    expect(lines[0]).toMatch(/^loo 1% 1\/100/);
    expect(lines[4]).toMatch(/^loo 100% 100\/100/);
  });
});
