/** One report on the page: its title and provenance, summary, the probe explorer (probe reports), tables and figures. */
import type { AnyReport, ProbeReport, ReproduceReport } from '@iclkr/core';
import { type PresentedReport, presentReport } from '@iclkr/experiments';
import { FigureView } from './figure.js';
import { ProbeExplorer } from './probe/explorer.js';
import { TableView } from './table.js';

/** The probe figures the explorer's own heatmaps replace (the same numbers, but selectable). */
const EXPLORER_FIGURES = /^(agreement|accuracy|correlation-.*)$/;

/** Who wrote the report and how: kind, version, date, seed, backend, seconds and the command line. */
function Provenance({ report }: { readonly report: AnyReport }) {
  const m = report.meta;
  return (
    <p className="meta">
      {m.kind} report, version {m.schemaVersion} · {m.createdAt} · seed {m.seed ?? '-'} · {m.backend}
      {m.threads !== undefined ? ` (${m.threads} threads)` : ''} · {m.seconds.toFixed(1)} s
      {m.command !== null && (
        <>
          <br />
          <code>{m.command}</code>
        </>
      )}
    </p>
  );
}

/** A kind the presentation does not cover (kernel-regress): its fields as JSON. */
function RawReport({ report }: { readonly report: AnyReport }) {
  const { meta: _meta, ...body } = report;
  return <pre className="raw">{JSON.stringify(body, null, 2)}</pre>;
}

/** The reproduce report's contents: one entry per section, scrolling to it. */
function Contents({ report, id }: { readonly report: ReproduceReport; readonly id: string }) {
  return (
    <nav className="contents">
      <h4>Contents</h4>
      <ol>
        {report.sections.map((s) => (
          <li key={s.name}>
            <button type="button" className="link" onClick={() => document.getElementById(`${id}-${s.name}`)?.scrollIntoView()}>
              {s.title}
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A report's body under its title: summary, explorer, tables, figures; a reproduce report shows each section's the same way. */
function ReportBody({ report, id }: { readonly report: AnyReport; readonly id: string }) {
  if (report.meta.kind === 'kernel-regress') return <RawReport report={report} />;
  const presented = report as PresentedReport;
  if (presented.meta.kind === 'reproduce') {
    const r = presented as ReproduceReport;
    const shown = presentReport(r);
    return (
      <>
        {shown.summary.map((p) => (
          <p key={p}>{p}</p>
        ))}
        <Contents report={r} id={id} />
        <TableView table={shown.tables[0]} />
        {r.sections.map((s) => (
          <section key={s.name} id={`${id}-${s.name}`} className="section">
            <h3>{s.title}</h3>
            <ReportBody report={s.report} id={`${id}-${s.name}`} />
          </section>
        ))}
      </>
    );
  }
  const shown = presentReport(presented);
  const probe = presented.meta.kind === 'probe' ? (presented as ProbeReport) : null;
  const figures = probe === null ? shown.figures : shown.figures.filter((f) => !EXPLORER_FIGURES.test(f.name));
  return (
    <>
      {shown.summary.map((p) => (
        <p key={p}>{p}</p>
      ))}
      {probe !== null && <ProbeExplorer report={probe} id={id} />}
      {shown.tables.map((t) => (
        <TableView key={t.title} table={t} />
      ))}
      {figures.map((f) => (
        <FigureView key={f.name} figure={f} />
      ))}
    </>
  );
}

/** A whole report: title, provenance and body. */
export function ReportView({ report, name, id }: { readonly report: AnyReport; readonly name: string; readonly id: string }) {
  const title = report.meta.kind === 'kernel-regress' ? 'iclkr kernel-regress' : presentReport(report as PresentedReport).title;
  return (
    <article className="report">
      <h2 data-testid="report-title">{title}</h2>
      <p className="source">{name}</p>
      <Provenance report={report} />
      <ReportBody report={report} id={id} />
    </article>
  );
}
