export {
  type CloudAuth,
  type CloudConfig,
  defaultCloudsFiles,
  type LoadCloudConfigOptions,
  loadCloudConfig,
  readCloudsFile,
} from './cloudConfig.js';
export { encodeObjectPath, ObjectStore, type SwiftObjectHead, type SwiftObjectInfo } from './ObjectStore.js';
export { OpenStackError, type OpenStackErrorCode } from './OpenStackError.js';
export { OPENSTACK_RESOURCE_TYPES } from './resourceTypes.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry.js';
export { type RequestOptions, Session, type SessionOptions, type Token } from './Session.js';
export {
  OPENSTACK_CLIENT_SECTION_SCHEMA,
  OPENSTACK_CONFIG_SECTIONS,
  type OpenStackClientSection,
  type OpenStackConfig,
  type SessionCaller,
  sessionFor,
  sessionForCaller,
  sessionFromConfig,
} from './sessionFromConfig.js';
export { type PolledStatus, type WaitForOptions, waitFor } from './waitFor.js';
