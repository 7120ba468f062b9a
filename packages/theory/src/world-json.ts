/** The JSON form of a world: parse (validated) and print. */
import { DataError } from '@iclkr/core';
import { compileWorld, type World, type WorldSpec } from './world.js';

/** Parses and validates a world from JSON text; bad JSON or an invalid world is a DataError naming `source`. */
export function parseWorldJson(text: string, source: string): World {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new DataError(
      source,
      undefined,
      `is not valid JSON (${(error as Error).message})`,
      'fix the JSON syntax or regenerate the world with `iclkr generate --save-world`',
    );
  }
  return compileWorld(spec as WorldSpec, source);
}

/** A world (or spec) as JSON text: small fields first, matrices one row per line. */
export function worldToJson(world: World | WorldSpec): string {
  const spec: WorldSpec = 'spec' in world ? world.spec : world;
  const rows = (matrix: readonly (readonly number[])[], indent: string) =>
    `[\n${matrix.map((r) => `${indent}  ${JSON.stringify(r)}`).join(',\n')}\n${indent}]`;
  const field = (key: string, value: unknown, indent: string) => `${indent}${JSON.stringify(key)}: ${value}`;
  const head: string[] = [];
  for (const key of ['name', 'tokens', 'states', 'delimiter', 'labels', 'inputLength', 'stateClass', 'generator'] as const) {
    if (spec[key] !== undefined) head.push(field(key, JSON.stringify(spec[key]), '  '));
  }
  const tasks = spec.tasks.map((t) => {
    const parts = [
      field('name', JSON.stringify(t.name), '      '),
      field('prior', JSON.stringify(t.prior), '      '),
      field('start', JSON.stringify(t.start), '      '),
    ];
    if (t.transition !== undefined) parts.push(field('transition', rows(t.transition, '      '), '      '));
    if (t.emission !== undefined) parts.push(field('emission', rows(t.emission, '      '), '      '));
    return `    {\n${parts.join(',\n')}\n    }`;
  });
  const body = [
    ...head,
    field('transition', rows(spec.transition, '  '), '  '),
    field('emission', rows(spec.emission, '  '), '  '),
    field('tasks', `[\n${tasks.join(',\n')}\n  ]`, '  '),
  ];
  return `{\n${body.join(',\n')}\n}\n`;
}
