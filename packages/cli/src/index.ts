export { runCli, type RunCliOptions } from './program.js';
export type { Io } from './output.js';
