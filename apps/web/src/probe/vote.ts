/** How the head view colours tokens. */
/** The largest weight outside the first position (an attention sink takes most of some rows): the token colours' full scale. */
export function colourScale(row: readonly number[]): number {
  let max = 0;
  for (let p = 1; p < row.length; p++) max = Math.max(max, row[p]);
  return max > 0 ? max : Math.max(row[0] ?? 0, 1e-12);
}
