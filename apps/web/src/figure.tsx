/** One Vega-Lite figure of a report, rendered live by vega-embed from the same spec the CLI writes as SVG (download as SVG or PNG). */
import type { Figure } from '@iclkr/experiments';
import { useEffect, useRef, useState } from 'react';
import embed from 'vega-embed';

/** A figure's title in words and its chart; a failed render says why instead of leaving a blank. */
export function FigureView({ figure }: { readonly figure: Figure }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (ref.current === null) return;
    const element = ref.current;
    let finalize: (() => void) | undefined;
    let cancelled = false;
    // Each figure compiles in a task of its own (a report's figures in one task kept the page busy over 200 ms).
    const timer = setTimeout(() => {
      embed(element, figure.spec, {
        renderer: 'svg',
        actions: { export: true, source: false, compiled: false, editor: false },
        downloadFileName: figure.name,
      })
        .then((result) => {
          if (cancelled) result.finalize();
          else finalize = () => result.finalize();
        })
        .catch((e: Error) => setError(e.message));
    }, 0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      finalize?.();
    };
  }, [figure]);
  return (
    <figure className="figure" data-testid="figure" data-name={figure.name}>
      {error === null ? (
        <div ref={ref} />
      ) : (
        <p className="error">
          The figure '{figure.title}' could not be drawn: {error}
        </p>
      )}
    </figure>
  );
}
