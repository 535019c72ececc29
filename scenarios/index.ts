/**
 * The scenario engine's public surface: define a workload, run it (or a suite) against every
 * contender behind an emulated network, get a ResultsFile (scenarios/results.ts).
 */
export { defineScenario, durationSchema, ScenarioError, CONTENDERS, type Scenario, type ScenarioInput } from './define.js';
export { expandScenario, type RunPlan, type Overrides, type ClientMode } from './plan.js';
export { hasBrowserClient } from './peers/index.js';
export { runPlan, type RunOptions, type RunProgress } from './runner.js';
export { runSuite, planSuite, emptyResults, type SuiteOptions } from './suite.js';
export { SUITES, getSuite, type SuiteEntry } from './suites.js';
export { LIBRARY, getScenario } from './library/index.js';
export { describeEnvironment } from './environment.js';
export * from './results.js';
