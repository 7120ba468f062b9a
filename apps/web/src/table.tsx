/** A report table as HTML: numeric cells right-aligned, the note under it. */
import { isNumericCell, type Table } from '@iclkr/experiments';
import { useState } from 'react';

/** Rows shown before a table folds the rest away (a GPT-J probe lists 448 heads). */
const FOLDED_ROWS = 40;

/** One table of a report's presentation; a long one shows its first rows and folds the rest. */
export function TableView({ table }: { readonly table: Table }) {
  const [all, setAll] = useState(table.rows.length <= FOLDED_ROWS);
  const rows = all ? table.rows : table.rows.slice(0, FOLDED_ROWS);
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
            {rows.map((row, r) => (
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
      {!all && (
        <button type="button" className="link" onClick={() => setAll(true)}>
          show all {table.rows.length} rows
        </button>
      )}
      {table.note !== null && <p className="note">{table.note}</p>}
    </div>
  );
}
