export type { Io } from './output.js';
export { type RunCliOptions, runCli } from './program.js';
