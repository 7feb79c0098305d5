/** `[#####-----] 45% customers 450000/1000000`: redrawn in place on a terminal. */
export function progressBar(
  stream: NodeJS.WriteStream,
): (done: number, total: number, step: string) => void {
  const width = 20;
  let drawn = 0;
  return (done, total, step) => {
    const ratio = total > 0 ? done / total : 1;
    const filled = Math.round(ratio * width);
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `${Math.floor(ratio * 100)}% ${step} ${done}/${total}`;
    if (stream.isTTY) {
      stream.write(`\r${line.padEnd(drawn)}${done === total ? '\n' : ''}`);
      drawn = done === total ? 0 : line.length;
    } else if (done === total) {
      // Logs get one line per finished step rather than a stream of redraws.
      stream.write(`${line}\n`);
    }
  };
}
