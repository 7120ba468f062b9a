import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReportOf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { expectCleanFailure, file, run, tempDir } from './run.js';

const dir = tempDir();

/** A simulate report folder written by the CLI, and its report as JSON. */
async function simulateFolder(name: string): Promise<{ folder: string; json: Record<string, unknown> }> {
  const folder = join(dir, name);
  const r = await run('simulate', '--preset', 'classify', '--shots', '1,4', '--prompts', '10', '--out', folder);
  expect(r.code, r.stderr).toBe(0);
  return { folder, json: JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) };
}

/** The report as a version-1 file: what iclkr wrote before reports had per-kind versions, command lines and paper blocks. */
function asVersion1(json: Record<string, unknown>): Record<string, unknown> {
  const { command: _c, gitCommit: _g, ...meta } = json.meta as Record<string, unknown>;
  const { paper: _p, ...body } = json;
  return { ...body, meta: { ...meta, schemaVersion: 1 } };
}

describe('iclkr report', () => {
  it('shows a report folder again: its summary and tables, the same JSON, and with --out its figures and page', async () => {
    const { folder, json } = await simulateFolder('sim');
    const shown = await run('report', folder);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^World classify, cosine kernel|^World classify, \w+ kernel/);
    expect(shown.stdout).toMatch(/Convergence to the Bayesian predictive \(classify\)/);
    const again = await run('report', '--path', join(folder, 'report.json'), '--json');
    expect(JSON.parse(again.stdout)).toEqual(json);
    const out = join(dir, 'redrawn');
    expect((await run('report', folder, '--out', out)).code).toBe(0);
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(readdirSync(join(folder, 'figures')).sort());
    expect(readFileSync(join(out, 'figures', 'accuracy.vl.json'), 'utf8')).toBe(
      readFileSync(join(folder, 'figures', 'accuracy.vl.json'), 'utf8'),
    );
  });

  it('opens a report of the previous version, migrated: the new fields are null and the version is current', async () => {
    const { json } = await simulateFolder('sim-v1');
    const old = file(dir, 'v1.json', JSON.stringify(asVersion1(json)));
    const r = await run('report', old, '--json');
    expect(r.code, r.stderr).toBe(0);
    const migrated = readReportOf('simulate', r.stdout);
    expect(migrated.meta).toMatchObject({ schemaVersion: 2, command: null, gitCommit: null });
    expect(migrated.paper).toBeNull();
    expect(migrated.rows).toEqual((json as { rows: unknown }).rows);
    expect((await run('report', old)).stdout).toMatch(/Convergence to the Bayesian predictive/);
  });

  it('refuses a newer version naming both, a file that is not a report, and bad paths, in one line each', async () => {
    const { json } = await simulateFolder('sim-new');
    const newer = file(dir, 'newer.json', JSON.stringify({ ...json, meta: { ...(json.meta as object), schemaVersion: 7 } }));
    expectCleanFailure(await run('report', newer), /simulate report of version 7; this iclkr reads simulate reports of versions 1 to 2/);
    expectCleanFailure(await run('report', file(dir, 'junk.json', '{"rows": []}')), /not an iclkr report/);
    expectCleanFailure(await run('report', file(dir, 'text.json', 'not json')), /text\.json/);
    expectCleanFailure(await run('report', join(dir, 'nope')), /nope/);
    expectCleanFailure(await run('report'), /missing --path/);
    expectCleanFailure(await run('report', 'a', 'b'), /unexpected argument 'b'/);
    expectCleanFailure(await run('report', 'a', '--path', 'b'), /--path given twice/);
    const out = join(dir, 'never');
    writeFileSync(join(dir, 'kr.json'), JSON.stringify({ ...json, meta: { ...(json.meta as object), kind: 'nonsense' } }));
    expectCleanFailure(await run('report', join(dir, 'kr.json'), '--out', out), /nonsense/, out);
    expect(existsSync(out)).toBe(false);
  });
});
