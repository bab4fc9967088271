/** Injection tokens of core's container; only core uses them (plugins never import tsyringe). */
export const TOKENS = {
  provider: Symbol('hoard.Provider'),
  bank: Symbol('hoard.Bank'),
  logger: Symbol('hoard.Logger'),
  checkpointStore: Symbol('hoard.CheckpointStore'),
} as const;
