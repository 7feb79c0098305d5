import { pagesAfter, type Page } from '../../../src/modules/marketing/segment-export';

/**
 * A segment as a sorted list of keys (their own cursors) that writes can change between
 * any two statements, read as the export reads it.
 */
function segment(
  keys: number[],
  pageSize: number,
  /** Runs after the n-th end is found, before its range is read. */
  afterEnd: (n: number, start: number, end: number | null) => number[] = () => [],
) {
  const rows = [...keys];
  let inFlight = 0;
  let mostInFlight = 0;
  let ends = 0;
  const after = (start: string) => rows.filter((k) => k > Number(start)).sort((a, b) => a - b);
  const source = {
    end: async (start: string) => {
      const next = after(start);
      const end = next.length >= pageSize ? next[pageSize - 1] : null;
      rows.push(...afterEnd(++ends, Number(start), end));
      return end === null ? null : String(end);
    },
    read: async (start: string, until: string | null): Promise<Page> => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const range = after(start).filter((k) => until === null || k <= Number(until));
      const page = range.slice(0, pageSize);
      return {
        edges: page.join('\n'),
        pageInfo: { hasNextPage: range.length > pageSize, endCursor: String(page.at(-1)) },
      };
    },
  };
  const first = (): Page => {
    const page = after('-1').slice(0, pageSize);
    return {
      edges: page.join('\n'),
      pageInfo: { hasNextPage: rows.length > pageSize, endCursor: String(page.at(-1)) },
    };
  };
  return { rows, source, first, mostInFlight: () => mostInFlight };
}

async function exported(s: ReturnType<typeof segment>) {
  const first = s.first();
  const lines = [first.edges];
  for await (const page of pagesAfter(first, s.source)) {
    if (page.edges) lines.push(page.edges as string);
  }
  return lines.join('\n').split('\n').map(Number);
}

describe('an export reading pages ahead', () => {
  const keys = Array.from({ length: 100 }, (_, i) => i * 10);

  it('reads every row once, in order, two pages at once', async () => {
    const s = segment(keys, 7);
    expect(await exported(s)).toEqual(keys);
    expect(s.mostInFlight()).toBe(2);
  });

  it('reads rows written into a range after its end was found, and beyond the last one', async () => {
    let grown = false;
    const s = segment(keys, 7, (n, start, end) => {
      // Twelve more rows into the third range, and, once, past the last row.
      if (n === 3) return Array.from({ length: 12 }, (_, i) => start + 0.5 + i / 100);
      if (end !== null || grown) return [];
      grown = true;
      return Array.from({ length: 15 }, (_, i) => 2000 + i);
    });
    const result = await exported(s);
    expect(s.rows.length).toBe(keys.length + 12 + 15);
    expect(result).toEqual([...s.rows].sort((a, b) => a - b));
  });

  it('ends on a segment of whole pages, and on one that fits the first page', async () => {
    expect(await exported(segment(keys, 10))).toEqual(keys);
    expect(await exported(segment(keys, 100))).toEqual(keys);
  });
});
