// A time in the viewer's zone, with the same instant in UTC on hover (and for screen readers, in
// the machine-readable datetime attribute); TimeCell is the same in a table cell.
import { formatLocalTime, formatUtc, NONE } from '../format.js';

export function LocalTime(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span>{NONE}</span>;
  return (
    <time dateTime={props.iso} title={formatUtc(props.iso)}>
      {formatLocalTime(props.iso)}
    </time>
  );
}

export function TimeCell(props: { iso: string | null | undefined }) {
  return (
    <td>
      <LocalTime iso={props.iso} />
    </td>
  );
}
