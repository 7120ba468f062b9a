import { formatNumber, runDemo, textTable } from '@iclkr/experiments';
import { seedOption } from '../args.js';
import { defineCommand } from '../command.js';

/** `iclkr demo`: kernel regression on seeded synthetic problems, bandwidth chosen by leave-one-out. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary:
    'Kernel-regression demo on seeded synthetic data: Nadaraya-Watson with leave-one-out bandwidth\n' +
    'against fixed bandwidths, the unnormalised (1/n) form, the attention kernel and kernel ridge.',
  options: {
    seed: seedOption('both synthetic problems'),
    train: { kind: 'int', min: 2, max: 20_000, placeholder: 'N', description: 'training examples per problem', default: 2000 },
    test: { kind: 'int', min: 2, max: 1_000_000, placeholder: 'N', description: 'test examples per problem', default: 1000 },
    json: { kind: 'boolean', description: 'print the results as JSON' },
  },
  async run(values, context) {
    const io = context.io();
    const rows = runDemo({ seed: values.seed, train: values.train, test: values.test }, io);
    io.finish();
    if (values.json) {
      context.stdout.write(
        `${JSON.stringify({ seed: values.seed, train: values.train, test: values.test, backend: context.backend.name, rows }, null, 2)}\n`,
      );
      return;
    }
    context.stdout.write(
      `Kernel regression on synthetic data (seed ${values.seed}, ${values.train} train / ${values.test} test per problem)\n` +
        'regression: y = sin(2 x1) + x2^2/2 + noise, 4 features; classification: 3 angular sectors, 10% label noise\n\n' +
        textTable({
          title: '',
          header: ['problem', 'estimator', 'bandwidth', 'metric', 'value'],
          rows: rows.map((r) => [r.problem, r.estimator, formatNumber(r.bandwidth), r.metric, formatNumber(r.value)]),
          note: null,
        }),
    );
  },
});
