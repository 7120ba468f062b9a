/** A report table as HTML: numeric cells right-aligned, the note under it. */
import { isNumericCell, type Table } from '@iclkr/experiments';

/** One table of a report's presentation. */
export function TableView({ table }: { readonly table: Table }) {
  return (
    <div className="table">
      <h4>{table.title}</h4>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              {table.header.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c} className={isNumericCell(cell) ? 'num' : undefined}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.note !== null && <p className="note">{table.note}</p>}
    </div>
  );
}
