// Types the kit's signatures use, so that a test needs no second import.
export type { ParametersDocument } from '../operation/resolveParameters.js';
export type { Logger } from '../plugin-api/types.js';
export { type BankContractOptions, bankContractTests, HOSTILE_BANK_KEYS } from './bankContractTests.js';
export { createTestProvider, type TestProviderOptions } from './createTestProvider.js';
export { InMemoryBank } from './InMemoryBank.js';
export {
  type ProtectionPluginContractOptions,
  protectionPluginContractTests,
} from './protectionPluginContractTests.js';
export { randomResourceGraph } from './randomGraph.js';
export { type FlowTrace, runFlowForTest } from './runFlowForTest.js';
export { type ProtectableUnderTest, testProtectable } from './testProtectable.js';
