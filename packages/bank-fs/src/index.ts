export { FileSystemBank } from './FileSystemBank.js';
export { FILE_SYSTEM_BANK_SECTION_SCHEMA, fileSystemBank } from './fileSystemBankPlugin.js';
