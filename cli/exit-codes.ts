// The `verdict` command's exit codes, in one place: main.ts's help, compare's gate and the docs
// (docs/queries.md, README) say the same.
export const EXIT_OK = 0;
/** compare --fail-on-regression: a metric is worse. */
export const EXIT_REGRESSION = 1;
/** A usage error, a refused question, or an unreachable API. */
export const EXIT_USAGE = 2;
/** compare --fail-on-regression: a side has too little data to judge (unknown version, empty side, fewer than minRequests). */
export const EXIT_INSUFFICIENT = 3;

export const EXIT_CODES_HELP =
  `Exit codes: ${EXIT_OK} answered, ${EXIT_REGRESSION} regression (with --fail-on-regression), ${EXIT_USAGE} usage error or unreachable API, ` +
  `${EXIT_INSUFFICIENT} not enough data to judge (with --fail-on-regression, unless --allow-insufficient).`;
