export { FileSystemBank } from './FileSystemBank.js';
export { fileSystemBank, FILE_SYSTEM_BANK_SECTION_SCHEMA } from './fileSystemBankPlugin.js';
