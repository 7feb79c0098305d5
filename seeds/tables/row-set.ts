/** The rows a seed step adds to a table, selected from the working tables of a chunk. */
export interface RowSet {
  table: string;
  columns: string;
  select: string;
}
