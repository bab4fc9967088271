export { InMemoryBank } from './InMemoryBank.js';
export { createTestProvider, type TestProviderOptions } from './createTestProvider.js';
export { runFlowForTest, type FlowTrace } from './runFlowForTest.js';
export { bankContractTests, HOSTILE_BANK_KEYS, type BankContractOptions } from './bankContractTests.js';
export { randomResourceGraph } from './randomGraph.js';
