/** The report explorer (`#/`): reports from `iclkr serve`, a file picker or a drop, one or two side by side. */
import { useEffect, useState } from 'react';
import { droppedFiles, fetchIndex, fetchReport, inputFiles, type Opened, openPicked, type PickedFile, type ServedIndex } from './load.js';
import { ReportView } from './report-view.js';
import { explorerHash, parseRoute, type Route } from './route.js';

/** One pane: the report, or the message that says why it could not be opened. */
function Pane({ opened, id, onClose }: { readonly opened: Opened; readonly id: string; readonly onClose: () => void }) {
  return (
    <div className="pane">
      <button type="button" className="close" onClick={onClose} title="close this report">
        ×
      </button>
      {'error' in opened ? (
        <div className="report-error" data-testid="report-error" role="alert">
          <h2>This report cannot be opened</h2>
          <p>{opened.error}</p>
        </div>
      ) : (
        <ReportView report={opened.report} name={opened.name} id={id} />
      )}
    </div>
  );
}

/** The served folder's report list, each with buttons to open it or open it beside the first. */
function ServedList(props: {
  readonly index: ServedIndex;
  readonly open: (path: string, beside: boolean) => void;
  readonly canBeside: boolean;
}) {
  const { index } = props;
  if (index.reports.length === 0) {
    return (
      <p className="note">
        No report folders under {index.root}: write one with e.g. <code>iclkr probe --out probe-report</code>, or open one below.
      </p>
    );
  }
  return (
    <div className="served">
      <h3>Reports under {index.root}</h3>
      <ul>
        {index.reports.map((r) => (
          <li key={r.path}>
            <code>{r.path === '' ? '.' : r.path}</code> {r.kind ?? 'unknown kind'}
            {r.createdAt !== null ? `, ${r.createdAt}` : ''}
            {r.error !== null && <span className="warn"> ({r.error})</span>}{' '}
            <button type="button" onClick={() => props.open(r.path, false)}>
              open
            </button>
            {props.canBeside && (
              <button type="button" onClick={() => props.open(r.path, true)}>
                open beside
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The explorer page; `?open=PATH&beside=PATH` in the route opens served report folders. */
export function Explorer({ route }: { readonly route: Route }) {
  const [index, setIndex] = useState<ServedIndex | null | undefined>(undefined);
  const [panes, setPanes] = useState<readonly Opened[]>([]);
  const [dragging, setDragging] = useState(false);
  const openParam = route.query.get('open');
  const besideParam = route.query.get('beside');

  const show = (opened: Opened, beside: boolean) => setPanes((old) => (beside && old.length > 0 ? [old[0], opened] : [opened]));
  useEffect(() => {
    let live = true;
    (async () => {
      const found = await fetchIndex();
      if (!live) return;
      setIndex(found);
      const self = found !== null && found.reports.length === 1 && found.reports[0].path === '' ? '' : null;
      const paths = [openParam ?? self, besideParam].filter((p): p is string => p !== null);
      if (paths.length > 0) {
        const opened = await Promise.all(paths.map(fetchReport));
        if (live) setPanes(opened);
      }
    })();
    return () => {
      live = false;
    };
  }, [openParam, besideParam]);

  const openServed = async (path: string, beside: boolean) => {
    const opened = await fetchReport(path);
    show(opened, beside);
    const open = beside ? parseRoute(window.location.hash).query.get('open') : path;
    window.history.replaceState(null, '', explorerHash(open, beside ? path : null));
  };
  const openFiles = async (files: PickedFile[], beside: boolean) => {
    show(await openPicked(files), beside);
    window.history.replaceState(null, '', explorerHash(null, null));
  };
  const close = (i: number) => setPanes((old) => old.filter((_, j) => j !== i));
  const shown = panes;

  return (
    <main
      className={dragging ? 'explorer-page dragging' : 'explorer-page'}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={async (e) => {
        e.preventDefault();
        setDragging(false);
        await openFiles(await droppedFiles(e.dataTransfer), shown.length === 1);
      }}
    >
      <section className="open">
        {index !== undefined && index !== null && <ServedList index={index} open={openServed} canBeside={shown.length > 0} />}
        <p className="pickers">
          <label className="picker">
            Open a report.json
            <input
              type="file"
              accept=".json,application/json"
              onChange={(e) => e.target.files && openFiles(inputFiles(e.target.files), false)}
            />
          </label>
          <label className="picker">
            Open a report folder
            <input type="file" webkitdirectory="" onChange={(e) => e.target.files && openFiles(inputFiles(e.target.files), false)} />
          </label>
          {shown.length > 0 && (
            <label className="picker">
              Open another beside it
              <input
                type="file"
                accept=".json,application/json"
                onChange={(e) => e.target.files && openFiles(inputFiles(e.target.files), true)}
              />
            </label>
          )}
          <span className="hint">or drop a report folder or its report.json anywhere on the page.</span>
        </p>
      </section>
      <div className={shown.length === 2 ? 'panes two' : 'panes'}>
        {shown.map((opened, i) => (
          <Pane key={`${i}-${opened.name}`} opened={opened} id={`pane${i}`} onClose={() => close(i)} />
        ))}
      </div>
    </main>
  );
}
