// The API's answers as the page reads them: the query layer's own result types (the package's
// public `verdict/queries` export), imported as types only. Nothing of the server enters the
// bundle, and a field renamed on the server breaks the page's build instead of the page.
export type {
  BreakdownGroup,
  CompareResult,
  Deployment,
  DeploymentsResult,
  ErrorGroup,
  ErrorsResult,
  Metric,
  SearchResult,
  SessionDetail,
  SessionSummary,
  SpanNode,
  TimeseriesPoint,
  TimeseriesResult,
  TraceSummary,
  TraceTree,
  Verdict,
  VersionRow,
  VersionsResult,
} from 'verdict/queries';
export type { VersionRecord, RegistryEvent, HistoryEntry, VersionDiff, Drift, RegistryCompare } from 'verdict/registry';
export type { Alert } from 'verdict/alerts';
