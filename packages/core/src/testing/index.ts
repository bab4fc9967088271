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
