/**
 * The scenario engine's public surface: define a workload, run it (or a suite) against every
 * contender behind an emulated network, get a ResultsFile (scenarios/results.ts).
 */
export {
  BACKPLANES,
  defineScenario,
  durationSchema,
  parseNodeFaults,
  ScenarioError,
  type NodeFault,
  type Scenario,
  type ScenarioInput,
} from './define.js';
export { BALANCERS, type BalancerMode } from './define.js';
export { expandScenario, type RunPlan, type Overrides, type ClientMode, type SuiteEntry } from './plan.js';
export * from './contenders.js';
export { runPlan, type RunOptions, type RunProgress } from './engine/runner.js';
export { runSuite, planSuite, emptyResults, type SuiteOptions } from './engine/suite.js';
export { SUITES, getSuite } from './suites.js';
export { LIBRARY, getScenario } from './library/index.js';
export { describeEnvironment } from './engine/environment.js';
export * from './results.js';
