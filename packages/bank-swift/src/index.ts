export { SwiftBank, type SwiftBankOptions } from './SwiftBank.js';
export { SWIFT_BANK_SECTION_SCHEMA, SWIFT_CLIENT_SECTION_SCHEMA, swiftBank } from './swiftBankPlugin.js';
