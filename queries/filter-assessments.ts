// The filter fields on assessments, with MLflow's meaning: `feedback.<name>` (feedback only),
// `expectations.<name>` (expectations only) and `assessments.<name>` (either) hold when the trace
// has a live assessment of that name (the latest per source) whose value matches: numbers against
// the score (true = 1), text against the label or, for JSON values, the JSON text. The filter
// compiler (filter-compiler.ts) resolves these names here and wraps the condition below.

export interface AssessmentField {
  kind: 'assessment';
  kinds: Array<'feedback' | 'expectation'>;
  name: string;
}

const NAMESPACES: Record<string, AssessmentField['kinds']> = {
  feedback: ['feedback'],
  assessments: ['feedback', 'expectation'],
  assessment: ['feedback', 'expectation'],
  expectations: ['expectation'],
  expectation: ['expectation'],
};

export const ASSESSMENT_FIELD_HELP = 'feedback.NAME, expectations.NAME, assessments.NAME';

/** The field for `ns.name`, or undefined when `ns` is not an assessment namespace. */
export function assessmentField(ns: string, name: string): AssessmentField | undefined {
  const kinds = NAMESPACES[ns];
  return kinds && name !== '' ? { kind: 'assessment', kinds, name } : undefined;
}

/** What a value condition compares: the score for numbers, else the label (the JSON text for JSON values). */
export const ASSESSMENT_NUMBER = 'Score';
export const ASSESSMENT_TEXT = "if(ValueType = 'json', Value, Label)";

/** The trace-row condition: some live assessment of the field's kind and name satisfies `valueCondition`. */
export function assessmentCondition(field: AssessmentField, nameParam: string, kindsParam: string, valueCondition: string): string {
  return `(TraceId IN (SELECT TraceId FROM verdict_assessments_live WHERE Kind IN ${kindsParam} AND Name = ${nameParam} AND Error = '' AND ${valueCondition}))`;
}
