// A small text/tabwriter, configured as urfave/cli configures it for help
// (minwidth 1, padding 2, spaces): tab-separated cells in consecutive lines
// form a column padded to its widest cell; the last cell of a line is not
// part of any column.

const PADDING = 2;

function width(s: string): number {
  return [...s].length;
}

export function tabulate(text: string): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const out: string[] = lines.map(() => "");
  format(lines, out, 0, 0, lines.length);
  return out.join("\n");
}

// Column `col` for lines [start, end): each maximal run of lines that have a
// cell in this column (one followed by a tab) is aligned together.
function format(lines: string[][], out: string[], col: number, start: number, end: number): void {
  let i = start;
  while (i < end) {
    if (lines[i].length - 1 <= col) {
      // No tab-terminated cell here: the rest of the line is written as is.
      if (lines[i].length - 1 === col) out[i] += lines[i][col];
      i++;
      continue;
    }
    let j = i;
    let w = 0;
    while (j < end && lines[j].length - 1 > col) {
      w = Math.max(w, width(lines[j][col]));
      j++;
    }
    for (let k = i; k < j; k++) out[k] += lines[k][col].padEnd(lines[k][col].length + (w + PADDING - width(lines[k][col])), " ");
    format(lines, out, col + 1, i, j);
    i = j;
  }
}
