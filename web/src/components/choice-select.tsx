// A labelled <select> over names the store knows (services, environments, versions), with an
// "any" option first. A value that came from the URL stays selectable even when the store does
// not (yet) know it, so a pasted link never silently changes what it asks.
export function ChoiceSelect(props: {
  label: string;
  value: string | undefined;
  choices: string[];
  anyLabel: string;
  onChange: (value: string | undefined) => void;
  testId?: string;
}) {
  const { value, choices } = props;
  const shown = value && !choices.includes(value) ? [value, ...choices] : choices;
  return (
    <label>
      <span>{props.label}</span>
      <select value={value ?? ''} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value || undefined)} data-testid={props.testId}>
        <option value="">{props.anyLabel}</option>
        {shown.map((c) => (
          <option value={c}>{c}</option>
        ))}
      </select>
    </label>
  );
}
