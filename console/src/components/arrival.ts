/**
 * A ref for the first row a "Show more" added. The button goes once the last page is shown,
 * and the keyboard focus would go with it, back to the top of the page; the first new row
 * takes it instead, as in most lists that load more, so a keyboard user reads on from there.
 */
export const focusOnArrival = (row: HTMLElement | null) => row?.focus();
