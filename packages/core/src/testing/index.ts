export { InMemoryBank } from './InMemoryBank.js';
export { createTestProvider, type TestProviderOptions } from './createTestProvider.js';
export { runFlowForTest, type FlowTrace } from './runFlowForTest.js';
