/**
 * The Python engine: the fast parser, lezer's adapter, CPython's limits and the evaluator. In the
 * bundle this is a file of its own, dist/python-engine.cjs, loaded when a project has Python files
 * to evaluate (src/django/load.ts): an nginx-only project never loads, compiles or deserialises
 * it. It shares the main bundle's modules it imports (src/python/engine-host.ts lists them): one
 * LIMITS, one registry of secrets.
 */
export { fastParsePython } from './fast.js';
export { checkPythonLimits } from './limits.js';
export { MAX_RECOVERY_STEPS, parseWithLezer } from './parse.js';
export { errorPositions, evaluateModule, EvaluationTooLong } from './evaluate.js';
