/**
 * reports/: results JSON (scenarios/results.ts) → HTML, Markdown, terminal table; baseline
 * comparison and budgets for CI. The CLI (`transport-lab report`) is cli/report.ts.
 */
export { loadResults, parseResults, ResultsFileError } from './load.js';
export { renderHtml, type HtmlOptions } from './html/render.js';
export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderTable } from './table.js';
export {
  compareToBaseline,
  type Comparison,
  type EntryComparison,
  type FigureChange,
  type VerdictFlip,
} from './baseline.js';
export {
  parseBudget,
  evaluateBudgets,
  loadBudgetFile,
  BudgetError,
  type Budget,
  type BudgetEvaluation,
  type BudgetFailure,
} from './budget.js';
export { METRICS, findMetric, type Metric } from './metrics.js';
export { verdictText, verdictParts, bestEntries, type Verdict } from './verdict.js';
export {
  decide,
  isProxy,
  DEFAULT_DECISION_WORKLOAD,
  type Decision,
  type DecisionWorkload,
  type CostRow,
} from './decide.js';
export {
  renderDecisionText,
  renderDecisionHeadlines,
  renderDecisionMarkdown,
  renderDecisionSummaryMarkdown,
} from './decide-render.js';
export { evaluateClaims, hasClaims, type ClaimResult, type ClaimsReport, type ClaimVerdict } from './claims.js';
export { renderClaimsMarkdown, claimsSection } from './claims-render.js';
