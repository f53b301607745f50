// The header row of the page's tables: column titles, numeric ones right-aligned like their cells.
export type HeadColumn = string | { label: string; num: true };

export function TableHead(props: { columns: Array<HeadColumn | false> }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) =>
          c === false ? null : typeof c === 'string' ? (
            <th scope="col">{c}</th>
          ) : (
            <th scope="col" class="num">
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** A numeric column. */
export const num = (label: string): HeadColumn => ({ label, num: true });
