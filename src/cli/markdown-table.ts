/**
 * A Markdown table with its columns padded as Prettier pads them, so that README's generated
 * sections pass the format check as written (Prettier's API needs ESM import(), which jest
 * cannot give, so the drift test cannot format them).
 */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
