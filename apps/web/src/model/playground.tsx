/**
 * The model playground (`#/model`): the built-in model in the page. Sample a prompt from its world
 * or edit it (each demonstration's input and label, their order); see the model's answer beside
 * exact Bayes; every head's attention over the demonstrations as kernel weights with the vote it
 * implies; influence beside weight for the selected head; the heads' agreement over a batch.
 */
import type { ProbeHead } from '@iclkr/core';
import { formatNumber } from '@iclkr/experiments';
import { useEffect, useRef, useState } from 'react';
import { type HeadId, Heatmap } from '../probe/heatmap.js';
import type { FromModelWorker, Influence, ModelInfo, PlaygroundPrompt, PromptReading, ToModelWorker } from './protocol.js';

/** Token ids written as text: `3 17`. */
const idsText = (ids: readonly number[]) => ids.join(' ');
/** Text to token ids, or null when it is not ids of the model's inputs. */
function parseIds(text: string, info: ModelInfo): number[] | null {
  const ids = text.trim().split(/\s+/).filter(Boolean).map(Number);
  return ids.length > 0 && ids.every((id) => info.inputTokens.includes(id)) ? ids : null;
}

/** Bars of a distribution over the labels. */
function Distribution(props: {
  readonly name: string;
  readonly values: readonly number[] | null;
  readonly labels: readonly number[];
  readonly testId: string;
}) {
  return (
    <div className="distribution" data-testid={props.testId} data-probs={props.values?.join(',') ?? ''}>
      <h4>{props.name}</h4>
      {props.values === null ? (
        <p className="note">undefined (the prompt has probability 0 under the world)</p>
      ) : (
        props.labels.map((y, c) => (
          <div key={y} className="dist-row">
            <span>token {y}</span>
            <span className="bar" style={{ width: `${120 * props.values![c]}px` }} />
            <span>{formatNumber(props.values![c])}</span>
          </div>
        ))
      )}
    </div>
  );
}

/** The playground page. */
export function ModelPlayground() {
  const worker = useRef<Worker | null>(null);
  const [info, setInfo] = useState<ModelInfo | null>(null);
  const [backend, setBackend] = useState('loading the model');
  const [prompt, setPrompt] = useState<PlaygroundPrompt | null>(null);
  const [texts, setTexts] = useState<string[]>([]);
  const [reading, setReading] = useState<PromptReading | null>(null);
  const [selected, setSelected] = useState<HeadId>({ layer: 0, head: 0 });
  const [effect, setEffect] = useState<Influence | null>(null);
  const [agreement, setAgreement] = useState<{ prompts: number; values: readonly (readonly number[])[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState('8');
  const [seed, setSeed] = useState('0');
  const [task, setTask] = useState('random');
  const send = (m: ToModelWorker) => worker.current?.postMessage(m);

  useEffect(() => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (event: MessageEvent<FromModelWorker>) => {
      const m = event.data;
      if (m.type === 'ready') {
        setInfo(m.info);
        setBackend(m.backend);
        w.postMessage({ type: 'sample', task: null, n: 8, seed: 0 } satisfies ToModelWorker);
        w.postMessage({ type: 'agreement', n: 8, prompts: 64, seed: 1 } satisfies ToModelWorker);
      } else if (m.type === 'sampled') setPrompt(m.prompt);
      else if (m.type === 'reading') setReading(m.reading);
      else if (m.type === 'influence') setEffect(m.influence);
      else if (m.type === 'agreement') {
        setAgreement({ prompts: m.prompts, values: m.agreement });
        // The head that agrees with the model most often is the one worth looking at first.
        const best = m.agreement.flatMap((byHead, layer) => byHead.map((a, head) => ({ layer, head, a }))).sort((x, y) => y.a - x.a)[0];
        if (best) setSelected({ layer: best.layer, head: best.head });
      } else setError(m.message);
    };
    worker.current = w;
    return () => w.terminate();
  }, []);
  useEffect(() => {
    if (prompt === null) return;
    setTexts([...prompt.demos.map((d) => idsText(d.x)), idsText(prompt.query)]);
    setEffect(null);
    send({ type: 'read', prompt });
  }, [prompt]);

  if (info === null) {
    return (
      <main>
        <p className="note">{error ?? 'Loading the built-in model in a Web Worker...'}</p>
      </main>
    );
  }
  const edit = (i: number, text: string) => {
    const next = texts.map((t, j) => (j === i ? text : t));
    setTexts(next);
    const ids = parseIds(text, info);
    if (ids === null || prompt === null) return;
    if (i === prompt.demos.length) setPrompt({ ...prompt, query: ids, gold: null });
    else setPrompt({ ...prompt, demos: prompt.demos.map((d, j) => (j === i ? { ...d, x: ids } : d)) });
  };
  const relabel = (i: number, y: number) =>
    prompt && setPrompt({ ...prompt, demos: prompt.demos.map((d, j) => (j === i ? { ...d, y } : d)) });
  const move = (i: number, by: number) => {
    if (prompt === null || i + by < 0 || i + by >= prompt.demos.length) return;
    const demos = [...prompt.demos];
    [demos[i], demos[i + by]] = [demos[i + by], demos[i]];
    setPrompt({ ...prompt, demos });
  };
  const remove = (i: number) => prompt && setPrompt({ ...prompt, demos: prompt.demos.filter((_, j) => j !== i) });
  const head = reading?.heads[selected.layer]?.[selected.head];
  const predicted = reading ? reading.model.indexOf(Math.max(...reading.model)) : -1;
  const voteHeads: ProbeHead[] =
    reading?.heads.flatMap((byHead, layer) =>
      byHead.map((h, hh) => ({ layer, head: hh, agreement: h.vote === predicted ? 1 : 0 }) as never),
    ) ?? [];
  const agreementHeads: ProbeHead[] =
    agreement?.values.flatMap((byHead, layer) => byHead.map((a, hh) => ({ layer, head: hh, agreement: a }) as never)) ?? [];

  return (
    <main className="playground">
      <h2>Model playground: the built-in model's heads as kernels</h2>
      <p className="note">
        Our GPT ({info.layers} layers x {info.heads} heads) trained on world {info.world}, run in a Web Worker on{' '}
        <b data-testid="model-backend">{backend}</b>. Label tokens {info.labels.join(', ')}; inputs are {info.inputLength} token(s) of{' '}
        {info.inputTokens.length}.
      </p>
      <form
        className="sim-form"
        onSubmit={(e) => {
          e.preventDefault();
          const index = Number(task);
          const chosen = task === 'random' || !Number.isInteger(index) || index < 0 || index >= info.tasks ? null : index;
          send({ type: 'sample', task: chosen, n: Math.max(0, Math.min(40, Number(n) || 0)), seed: Number(seed) || 0 });
        }}
      >
        <label className="field">
          <span>task (labelling) 0..{info.tasks - 1}</span>
          <input name="task" value={task} onChange={(e) => setTask(e.target.value)} />
        </label>
        <label className="field">
          <span>demonstrations n</span>
          <input name="n" value={n} onChange={(e) => setN(e.target.value)} />
        </label>
        <label className="field">
          <span>seed</span>
          <input name="seed" value={seed} onChange={(e) => setSeed(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" data-testid="sample-prompt">
            Sample a prompt
          </button>
        </div>
      </form>
      {error !== null && <p className="error">{error}</p>}
      {prompt !== null && (
        <table className="demos">
          <thead>
            <tr>
              <th>#</th>
              <th>input x_i (token ids)</th>
              <th>label y_i</th>
              <th>
                a_i of L{selected.layer}H{selected.head}
              </th>
              <th>order</th>
            </tr>
          </thead>
          <tbody>
            {prompt.demos.map((d, i) => (
              <tr key={i} data-testid="demonstration">
                <td>{i + 1}</td>
                <td>
                  <input
                    value={texts[i] ?? ''}
                    aria-invalid={parseIds(texts[i] ?? '', info) === null}
                    onChange={(e) => edit(i, e.target.value)}
                  />
                </td>
                <td>
                  <select value={d.y} onChange={(e) => relabel(i, Number(e.target.value))}>
                    {info.labels.map((y) => (
                      <option key={y} value={y}>
                        token {y}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="bar-cell">
                  {head && (
                    <>
                      <span className="bar" style={{ width: `${80 * (head.weights[i] / Math.max(...head.weights, 1e-12))}px` }} />
                      {formatNumber(head.weights[i])}
                    </>
                  )}
                </td>
                <td>
                  <button type="button" onClick={() => move(i, -1)} title="move up">
                    ↑
                  </button>
                  <button type="button" onClick={() => move(i, 1)} title="move down">
                    ↓
                  </button>
                  <button type="button" onClick={() => remove(i)} title="drop">
                    ×
                  </button>
                </td>
              </tr>
            ))}
            <tr className="query">
              <td>x_test</td>
              <td>
                <input
                  value={texts[prompt.demos.length] ?? ''}
                  aria-invalid={parseIds(texts[prompt.demos.length] ?? '', info) === null}
                  onChange={(e) => edit(prompt.demos.length, e.target.value)}
                />
              </td>
              <td>{prompt.gold === null ? 'gold unknown (edited)' : `gold token ${prompt.gold}`}</td>
              <td />
              <td />
            </tr>
          </tbody>
        </table>
      )}
      {reading !== null && (
        <section className="reading" data-testid="reading" data-ids={reading.ids.join(',')}>
          <div className="distributions">
            <Distribution name="the model's P(y | prompt)" values={reading.model} labels={info.labels} testId="model-prediction" />
            <Distribution name="exact Bayes" values={reading.bayes} labels={info.labels} testId="bayes-prediction" />
          </div>
          <div className="heatmaps">
            <Heatmap
              metric={{
                path: 'agreement',
                title: "each head's vote on this prompt (1: the model's answer)",
                scale: 'unit',
                scope: 'this prompt',
              }}
              heads={voteHeads}
              best={null}
              selected={selected}
              onSelect={(h) => {
                setSelected(h);
                setEffect(null);
              }}
            />
            {agreementHeads.length > 0 && (
              <Heatmap
                metric={{
                  path: 'agreement',
                  title: "agreement of each head's vote with the model",
                  scale: 'unit',
                  scope: `${agreement!.prompts} sampled prompts with n = ${n}`,
                }}
                heads={agreementHeads}
                best={null}
                selected={selected}
                onSelect={setSelected}
              />
            )}
          </div>
          <p>
            <button
              type="button"
              data-testid="measure-agreement"
              onClick={() => send({ type: 'agreement', n: Number(n) || 8, prompts: 64, seed: 1 })}
            >
              Agreement over 64 sampled prompts
            </button>{' '}
            <button
              type="button"
              data-testid="measure-influence"
              onClick={() => prompt && send({ type: 'influence', prompt, ...selected })}
            >
              Influence beside weight for L{selected.layer}H{selected.head}
            </button>
          </p>
          {head && (
            <div
              data-testid="head-attention"
              data-layer={selected.layer}
              data-head={selected.head}
              data-row={head.row.join(',')}
              className="note"
            >
              L{selected.layer}H{selected.head} votes token {info.labels[head.vote]}; the model answers token {info.labels[predicted]}.
            </div>
          )}
          {effect !== null && <InfluenceTable effect={effect} labels={info.labels} />}
        </section>
      )}
    </main>
  );
}

/** Per demonstration: the head's a_i beside the change in the model's probability when y_i is flipped or i is dropped. */
function InfluenceTable({ effect, labels }: { readonly effect: Influence; readonly labels: readonly number[] }) {
  const order = effect.rows.map((_, i) => i).sort((a, b) => effect.rows[b].weight - effect.rows[a].weight);
  return (
    <div className="table" data-testid="influence">
      <h4>
        Influence beside weight, L{effect.layer}H{effect.head}: change in P(token {labels[effect.label]}), the model's answer
      </h4>
      <table>
        <thead>
          <tr>
            <th>demonstration</th>
            <th>a_i</th>
            <th>flip y_i</th>
            <th>drop it</th>
          </tr>
        </thead>
        <tbody>
          {order.map((i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td className="num">{formatNumber(effect.rows[i].weight)}</td>
              <td className="num">{formatNumber(effect.rows[i].flip)}</td>
              <td className="num">{formatNumber(effect.rows[i].drop)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="note">
        Sorted by a_i. The kernel view predicts the largest changes at the largest weights: a large change at a small weight is influence
        the head does not show.
      </p>
    </div>
  );
}
