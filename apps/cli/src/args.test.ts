import { OptionError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { helpText, parseOptions } from './args.js';

const OPTIONS = {
  shots: { kind: 'ints', min: 0, description: 'n', default: [1, 2] },
  prompts: { kind: 'int', min: 2, description: 'prompts', default: 200 },
  seed: { kind: 'int', min: 0, max: 9, description: 'seed' },
  frac: { kind: 'number', check: 'fraction', description: 'fraction', default: 0.7 },
  coef: { kind: 'number', description: 'any number' },
  mode: { kind: 'choice', choices: ['a', 'b'], description: 'mode', default: 'a' },
  out: { kind: 'string', description: 'folder' },
  file: { kind: 'string', required: true, description: 'input' },
  ood: { kind: 'boolean', description: 'flag' },
} as const;

describe('parseOptions', () => {
  it('applies the declared defaults and converts given values to their declared types', () => {
    const v = parseOptions('x', ['--file', 'f', '--prompts', '20', '--shots', '8,2,2', '--coef', '-1.5'], OPTIONS);
    expect(v).toMatchObject({ file: 'f', prompts: 20, shots: [2, 8], coef: -1.5, frac: 0.7, mode: 'a', ood: false });
    expect(v.seed).toBeUndefined();
    expect(v.out).toBeUndefined();
    expect([...v.given].sort()).toEqual(['coef', 'file', 'prompts', 'shots']);
    // A default list is the caller's own copy.
    const w = parseOptions('x', ['--file', 'f'], OPTIONS);
    w.shots.push(99);
    expect(parseOptions('x', ['--file', 'f'], OPTIONS).shots).toEqual([1, 2]);
  });

  it('refuses bad values in one line naming the option and what it takes', () => {
    const bad = (argv: string[]) => () => parseOptions('x', ['--file', 'f', ...argv], OPTIONS);
    expect(bad(['--prompts', '1'])).toThrow(/--prompts 1 is not an integer >= 2/);
    expect(bad(['--seed', '10'])).toThrow(/--seed 10 is not an integer in \[0, 9\]/);
    expect(bad(['--frac', '1'])).toThrow(/--frac 1 is not a fraction between 0 and 1/);
    expect(bad(['--coef', 'one'])).toThrow(/--coef one is not a number/);
    expect(bad(['--mode', 'c'])).toThrow(/--mode c is not one of a, b/);
    expect(bad(['--shots', '1,x'])).toThrow(/--shots 1,x is not a comma-separated list of integers >= 0/);
    expect(bad(['--nope'])).toThrow(/unknown option --nope/);
    expect(bad(['stray'])).toThrow(/unexpected argument 'stray'/);
    expect(() => parseOptions('x', [], OPTIONS)).toThrow(OptionError);
    expect(() => parseOptions('x', [], OPTIONS)).toThrow(/missing --file/);
  });

  it('fills the positional option from a lone argument', () => {
    expect(parseOptions('x', ['f'], OPTIONS, 'file').file).toBe('f');
    expect(() => parseOptions('x', ['f', 'g'], OPTIONS, 'file')).toThrow(/unexpected argument 'g'/);
  });

  it('--help lists every option with the default the parser applies', () => {
    const help = helpText('x', 'Does x.', OPTIONS, 'file');
    expect(help).toMatch(/^Usage: iclkr x \[FILE\] \[options\]/);
    expect(help).toMatch(/--shots VALUE\s+n \(default: 1,2\)/);
    expect(help).toMatch(/--prompts VALUE\s+prompts \(default: 200\)/);
    expect(help).toMatch(/--mode a\|b\s+mode \(default: a\)/);
    expect(help).toMatch(/--ood\s+flag\n/);
  });
});
