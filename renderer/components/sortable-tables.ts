/**
 * Every table of the app sorts by its columns: a click on a header (or Enter on it)
 * sorts the rows by that column, a second click reverses the order. One behaviour for
 * all tables, so a new table cannot forget it.
 *
 * Sorting moves the rendered rows (React keeps rendering the rows in its own order;
 * inserting or removing a keyed row stays valid in any DOM order), and a mutation
 * observer sorts again whenever a sorted table's rows change. A detail row (one
 * spanning cell under a row) travels with the row above it.
 */

type Dir = 'ascending' | 'descending';

const NUMBER = /^[^\d−-]*([−-])?\s*\$?\s*([\d,]+(?:\.\d+)?|\.\d+)/u;

/** What a cell sorts by: its time or number when it reads as one ("$2,995.10", "−5.2 %", "20.28 SOL"), else its text. */
export function sortKey(text: string): number | string | null {
  const t = text.trim();
  if (t === '' || t === '—' || t === '-') return null;
  if (/\d[:/]\d|\d{4}-\d\d/u.test(t)) {
    const at = Date.parse(t);
    if (Number.isFinite(at)) return at;
  }
  const m = NUMBER.exec(t);
  if (m && /^[\s$+−\-.\d]/u.test(t) && !/^[-:/\d]/u.test(t.slice(m[0].length))) {
    const n = Number(m[2]!.replace(/,/gu, ''));
    if (Number.isFinite(n)) return m[1] ? -n : n;
  }
  return t.toLowerCase();
}

/** Empty cells last whatever the direction; numbers before words. */
export function compareKeys(a: number | string | null, b: number | string | null, dir: Dir): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const sign = dir === 'ascending' ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return sign * a.localeCompare(b, undefined, { numeric: true });
}

function headerCells(table: HTMLTableElement): HTMLTableCellElement[] {
  const row = table.tHead?.rows[table.tHead.rows.length - 1];
  return row ? [...row.cells] : [];
}

/** A header sorts through the app's own buttons (the optimiser's metric headers): leave it to them. */
function hasOwnSort(th: HTMLTableCellElement): boolean {
  return th.querySelector('button') !== null;
}

function markHeaders(table: HTMLTableElement): void {
  for (const th of headerCells(table)) {
    if (th.hasAttribute('aria-sort') || hasOwnSort(th) || th.textContent?.trim() === '') continue;
    th.setAttribute('aria-sort', 'none');
    th.tabIndex = 0;
    th.title = 'Sort by this column';
  }
}

function sortTable(table: HTMLTableElement): void {
  const col = Number(table.dataset['sortCol']);
  const dir = table.dataset['sortDir'] as Dir | undefined;
  if (!Number.isInteger(col) || !dir) return;
  for (const body of table.tBodies) {
    const groups: HTMLTableRowElement[][] = [];
    for (const row of body.rows) {
      const detail = row.cells.length === 1 && row.cells[0]!.colSpan > 1 && groups.length > 0;
      if (detail) groups[groups.length - 1]!.push(row);
      else groups.push([row]);
    }
    const keyed = groups.map((g, i) => ({ g, i, key: sortKey(g[0]!.cells[col]?.textContent ?? '') }));
    const sorted = [...keyed].sort((a, b) => compareKeys(a.key, b.key, dir) || a.i - b.i);
    if (sorted.every((s, i) => s.i === i)) continue;
    for (const s of sorted) for (const row of s.g) body.appendChild(row);
  }
}

function onHeader(th: HTMLTableCellElement): void {
  const table = th.closest('table');
  if (!table || !th.hasAttribute('aria-sort')) return;
  const dir: Dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
  for (const other of headerCells(table)) if (other.hasAttribute('aria-sort')) other.setAttribute('aria-sort', 'none');
  th.setAttribute('aria-sort', dir);
  table.dataset['sortCol'] = String(th.cellIndex);
  table.dataset['sortDir'] = dir;
  sortTable(table);
}

/** Makes every `table.table` under `root` sortable, now and as tables appear; returns the undo. */
export function installSortableTables(root: HTMLElement): () => void {
  const tables = () => root.querySelectorAll<HTMLTableElement>('table.table');
  let queued = false;
  const refresh = () => {
    queued = false;
    for (const t of tables()) {
      markHeaders(t);
      if (t.dataset['sortCol']) sortTable(t);
    }
  };
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(refresh);
  });
  observer.observe(root, { childList: true, subtree: true });
  const onClick = (e: MouseEvent) => {
    const target = e.target as Element;
    const th = target.closest<HTMLTableCellElement>('table.table thead th');
    if (!th) return;
    if (target.closest('button, input, select, a')) {
      // The table's own sort buttons take over: forget the column sort.
      const table = th.closest('table');
      if (table && hasOwnSort(th)) {
        delete table.dataset['sortCol'];
        for (const h of headerCells(table)) if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none');
      }
      return;
    }
    onHeader(th);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const th = (e.target as Element).closest?.<HTMLTableCellElement>('table.table thead th');
    if (!th || th !== e.target) return;
    e.preventDefault();
    onHeader(th);
  };
  root.addEventListener('click', onClick);
  root.addEventListener('keydown', onKey);
  refresh();
  return () => {
    observer.disconnect();
    root.removeEventListener('click', onClick);
    root.removeEventListener('keydown', onKey);
  };
}
