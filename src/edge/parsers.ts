/**
 * The parsers only CDN and load balancer files need (HCL for Terraform, JSON with positions). In
 * the bundle this is a file of its own, dist/edge-parsers.cjs, loaded when a project has such a
 * file (see load.ts): a project without one never compiles them.
 */
export { parseHcl } from '../hcl/parse.js';
export { HclError } from '../hcl/types.js';
export { parseJson, JsonError } from '../json/parse.js';
