/**
 * The theory playground (`#/theory`): a preset world and its generator parameters, the
 * convergence experiment run in a Web Worker with progress and Cancel, the curves growing as rows
 * finish, and the finished report shown as the explorer shows it and downloadable as report.json.
 */
import type { ConvergenceRow, SimulateReport } from '@iclkr/core';
import { ESTIMATOR_KERNELS } from '@iclkr/theory';
import { useEffect, useRef, useState } from 'react';
import { ReportView } from '../report-view.js';
import { LiveCurves } from './chart.js';
import { checkForm, defaultForm, type FieldErrors, type FormValues, PRESETS } from './form.js';
import type { FromWorker, PageBackend, ToWorker } from './protocol.js';

type Status =
  | { readonly state: 'idle' }
  | { readonly state: 'running'; readonly done: number; readonly total: number; readonly label: string }
  | { readonly state: 'done'; readonly report: SimulateReport; readonly seconds: number }
  | { readonly state: 'cancelling' }
  | { readonly state: 'cancelled' }
  | { readonly state: 'error'; readonly message: string };

/** One labelled input with its problem under it. */
function Field(props: {
  readonly name: string;
  readonly label: string;
  readonly value: string;
  readonly error?: string;
  readonly onChange: (value: string) => void;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error !== undefined}
      />
      {props.error !== undefined && (
        <span className="field-error" data-testid="field-error" data-field={props.name}>
          {props.error}
        </span>
      )}
    </label>
  );
}

/** A report.json download of the finished simulation (the explorer opens it). */
function downloadUrl(report: SimulateReport): string {
  return URL.createObjectURL(new Blob([`${JSON.stringify(report, null, 2)}\n`], { type: 'application/json' }));
}

/** The playground page. */
export function TheoryPlayground() {
  const [form, setForm] = useState<FormValues>(() => defaultForm('paper-table3'));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [status, setStatus] = useState<Status>({ state: 'idle' });
  const [rows, setRows] = useState<ConvergenceRow[]>([]);
  const [shots, setShots] = useState<readonly number[]>([]);
  const [backend, setBackend] = useState('starting the worker');
  const [available, setAvailable] = useState<readonly PageBackend[]>([]);
  const worker = useRef<Worker | null>(null);
  const cancelFlag = useRef<Int32Array | null>(null);

  useEffect(() => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === 'backend') {
        setBackend(`${m.name}${m.threads > 1 ? ` on ${m.threads} threads` : ''}`);
        setAvailable((old) => {
          // The first report picks the fastest backend the browser has; later ones only say which runs.
          if (old.length === 0) setForm((f) => ({ ...f, backend: m.available[0] }));
          return [...m.available];
        });
      } else if (m.type === 'progress') setStatus({ state: 'running', done: m.done, total: m.total, label: m.label });
      else if (m.type === 'row') setRows((old) => [...old, m.row]);
      else if (m.type === 'done') setStatus({ state: 'done', report: m.report, seconds: m.seconds });
      else if (m.type === 'cancelled') setStatus({ state: 'cancelled' });
      else setStatus({ state: 'error', message: m.message });
    };
    w.onerror = (e) => setStatus({ state: 'error', message: `the worker failed: ${e.message}` });
    worker.current = w;
    return () => w.terminate();
  }, []);

  const running = status.state === 'running' || status.state === 'cancelling';
  const run = () => {
    const checked = checkForm(form);
    if ('errors' in checked) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setRows([]);
    setShots(checked.request.shots);
    // A shared flag lets Cancel reach a worker busy in a synchronous run (cross-origin isolated pages only).
    const shared = typeof SharedArrayBuffer !== 'undefined' && crossOriginIsolated ? new SharedArrayBuffer(4) : null;
    cancelFlag.current = shared ? new Int32Array(shared) : null;
    setStatus({ state: 'running', done: 0, total: 1, label: 'starting' });
    worker.current?.postMessage({ type: 'run', request: checked.request, cancel: shared } satisfies ToWorker);
  };
  const cancel = () => {
    if (cancelFlag.current) Atomics.store(cancelFlag.current, 0, 1);
    else worker.current?.postMessage({ type: 'cancel' } satisfies ToWorker);
    setStatus({ state: 'cancelling' });
  };
  const set = (patch: Partial<FormValues>) => setForm((old) => ({ ...old, ...patch }));
  const choosePreset = (preset: string) => setForm((old) => ({ ...defaultForm(preset), backend: old.backend }));

  return (
    <main className="playground">
      <h2>Theory playground: kernel regression against the exact Bayesian predictive</h2>
      <p className="note">
        The convergence experiment of the paper's Table 3 (<code>iclkr simulate</code>) on a preset world, run in a Web Worker on this page.
        Running on <b data-testid="backend">{backend}</b>: WebGL where the browser has it, else wasm, whose numbers are the CLI's bit for
        bit (WebGPU is not wired yet).
      </p>
      <form
        className="sim-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!running) run();
        }}
      >
        <label className="field">
          <span>preset</span>
          <select name="preset" value={form.preset} onChange={(e) => choosePreset(e.target.value)}>
            {PRESETS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        {Object.entries(form.params).map(([name, value]) => (
          <Field
            key={name}
            name={`param.${name}`}
            label={name}
            value={value}
            error={errors[`param.${name}`]}
            onChange={(v) => set({ params: { ...form.params, [name]: v } })}
          />
        ))}
        <Field name="shots" label="shots n" value={form.shots} error={errors.shots} onChange={(v) => set({ shots: v })} />
        <Field name="prompts" label="prompts per n" value={form.prompts} error={errors.prompts} onChange={(v) => set({ prompts: v })} />
        <label className="field">
          <span>kernel</span>
          <select name="kernel" value={form.kernel} onChange={(e) => set({ kernel: e.target.value })}>
            <option value="auto">auto (theorem where it fits)</option>
            {ESTIMATOR_KERNELS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <Field name="seed" label="seed" value={form.seed} error={errors.seed} onChange={(v) => set({ seed: v })} />
        <label className="field">
          <span>backend</span>
          <select name="backend" value={form.backend} onChange={(e) => set({ backend: e.target.value as PageBackend })}>
            {available.map((b) => (
              <option key={b} value={b}>
                {b === 'wasm' ? 'wasm (as the CLI)' : 'webgl (GPU)'}
              </option>
            ))}
          </select>
        </label>
        <Field
          name="sigmaSamples"
          label="Sigma samples"
          value={form.sigmaSamples}
          error={errors.sigmaSamples}
          onChange={(v) => set({ sigmaSamples: v })}
        />
        <div className="actions">
          <button type="submit" data-testid="run-simulation" disabled={running}>
            Run
          </button>
          <button type="button" data-testid="cancel" disabled={!running} onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
      <Progress status={status} />
      {shots.length > 0 && <LiveCurves rows={rows} shots={shots} />}
      {status.state === 'done' && (
        <section className="result">
          <p data-testid="simulation-done">
            Done in {status.seconds.toFixed(1)} s.{' '}
            <a href={downloadUrl(status.report)} download="report.json" data-testid="download-report">
              Download report.json
            </a>{' '}
            (the explorer opens it).
          </p>
          <ReportView report={status.report} name="this page's run" id="theory" />
        </section>
      )}
    </main>
  );
}

/** The run's state in words, with a progress bar while it runs. */
function Progress({ status }: { readonly status: Status }) {
  if (status.state === 'idle') return null;
  if (status.state === 'running') {
    return (
      <p className="progress" data-testid="progress">
        <progress max={status.total} value={status.done} /> {status.label} {status.done} / {status.total}
      </p>
    );
  }
  if (status.state === 'cancelling') return <p className="progress">Cancelling at the next step...</p>;
  if (status.state === 'cancelled')
    return (
      <p className="progress" data-testid="cancelled">
        Cancelled.
      </p>
    );
  if (status.state === 'error')
    return (
      <p className="error" data-testid="simulation-error">
        {status.message}
      </p>
    );
  return null;
}
