import { defineBank, HoardError, type SchemaType } from '@hoard/core';
import {
  type CloudConfig,
  defaultCloudsFiles,
  loadCloudConfig,
  ObjectStore,
  OpenStackError,
  Session,
} from '@hoard/openstack';
import { SwiftBank } from './SwiftBank.js';

/** `[swift_client]`: Karbor's option names (see docs/protocol.md), plus a clouds.yaml cloud name. */
export const SWIFT_CLIENT_SECTION_SCHEMA = {
  type: 'object',
  properties: {
    swift_cloud: {
      type: 'string',
      minLength: 1,
      description: 'A cloud of clouds.yaml to use instead of the options below (beyond Karbor)',
    },
    swift_clouds_yaml: {
      type: 'string',
      minLength: 1,
      description: 'The clouds.yaml holding swift_cloud (default: the usual search path)',
    },
    swift_auth_url: {
      type: 'string',
      minLength: 1,
      description: 'Keystone URL, e.g. http://keystone:5000/v3',
    },
    swift_user: { type: 'string', minLength: 1 },
    swift_key: { type: 'string', secret: true, description: 'The password' },
    swift_tenant_name: { type: 'string', minLength: 1, description: 'Project name' },
    swift_user_domain_name: { type: 'string', default: 'Default' },
    swift_project_domain_name: { type: 'string', default: 'Default' },
    swift_region_name: { type: 'string' },
    swift_endpoint: { type: 'string', description: 'Swift URL; skips the catalog' },
    swift_catalog_info: {
      type: 'string',
      default: 'object-store:swift:publicURL',
      pattern: '^[^:]+:[^:]*:(public|internal|admin)URL$',
    },
    swift_retry_attempts: { type: 'integer', minimum: 0, maximum: 20, default: 3 },
    swift_retry_backoff: { type: 'number', minimum: 0, default: 2 },
    swift_ca_cert_file: { type: 'string' },
    swift_auth_insecure: { type: 'boolean', default: false },
  },
} as const;

/** `[swift_bank_plugin]`: Karbor's option names, plus the segment size. */
export const SWIFT_BANK_SECTION_SCHEMA = {
  type: 'object',
  properties: {
    bank_swift_object_container: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[^/]+$',
      default: 'hoard',
    },
    lease_expire_window: { type: 'integer', minimum: 1, default: 600 },
    lease_renew_window: { type: 'integer', minimum: 1, default: 120 },
    lease_validity_window: { type: 'integer', minimum: 0, default: 100 },
    segment_size: {
      type: 'integer',
      minimum: 1048576,
      default: 16777216,
      description: 'Bytes per large-object segment',
    },
  },
} as const;

/** The `[swift_client]` section's values, defaults applied. */
type SwiftClientSection = SchemaType<typeof SWIFT_CLIENT_SECTION_SCHEMA>;

/** The cloud configuration a `[swift_client]` section describes. */
export async function cloudConfigOf(section: SwiftClientSection): Promise<CloudConfig> {
  if (section.swift_auth_insecure || section.swift_ca_cert_file) {
    throw new HoardError(
      'BANK_CONFIG_INVALID',
      '[swift_client] swift_auth_insecure and swift_ca_cert_file are not supported yet; use NODE_EXTRA_CA_CERTS for a private CA',
    );
  }
  const interfaceName = section.swift_catalog_info
    .split(':')[2]!
    .replace(/URL$/, '') as CloudConfig['interface'];
  const endpointOverrides = section.swift_endpoint ? { 'object-store': section.swift_endpoint } : {};
  if (section.swift_cloud) {
    // The named cloud is used as written: OS_* variables do not override it (env: {}).
    return loadCloudConfig({
      cloud: section.swift_cloud,
      files: section.swift_clouds_yaml ? [section.swift_clouds_yaml] : defaultCloudsFiles(process.env),
      env: {},
      overrides: { endpointOverrides },
    });
  }
  const missing = (['swift_auth_url', 'swift_user', 'swift_key', 'swift_tenant_name'] as const).filter(
    (k) => !section[k],
  );
  if (missing.length > 0) {
    throw new HoardError(
      'BANK_CONFIG_INVALID',
      `[swift_client] needs ${missing.join(', ')} (or swift_cloud naming a clouds.yaml cloud)`,
      { path: `swift_client.${missing[0]}` },
    );
  }
  let authUrl: URL;
  try {
    authUrl = new URL(section.swift_auth_url!);
  } catch {
    throw new HoardError('BANK_CONFIG_INVALID', '[swift_client] swift_auth_url is not a URL', {
      path: 'swift_client.swift_auth_url',
    });
  }
  if (authUrl.username !== '' || authUrl.password !== '') {
    // Credentials go in swift_user/swift_key; a URL is printed in messages, so it must hold none.
    throw new HoardError(
      'BANK_CONFIG_INVALID',
      '[swift_client] swift_auth_url must not contain a user name or password; put them in swift_user and swift_key',
      { path: 'swift_client.swift_auth_url' },
    );
  }
  return {
    auth: {
      type: 'password',
      authUrl: section.swift_auth_url!.replace(/\/+$/, ''),
      username: section.swift_user!,
      password: section.swift_key!,
      projectName: section.swift_tenant_name!,
      userDomainName: section.swift_user_domain_name,
      projectDomainName: section.swift_project_domain_name,
    },
    interface: interfaceName,
    endpointOverrides,
    source: '[swift_client] section',
    ...(section.swift_region_name ? { regionName: section.swift_region_name } : {}),
  };
}

/**
 * The bank-swift plugin: checkpoints in a Swift container, configured with Karbor's
 * `[swift_client]` and `[swift_bank_plugin]` sections.
 */
export const swiftBank = defineBank({
  name: 'swift',
  configSections: { swift_client: SWIFT_CLIENT_SECTION_SCHEMA, swift_bank_plugin: SWIFT_BANK_SECTION_SCHEMA },
  async create({ config }) {
    const client = config.swift_client;
    const bankSection = config.swift_bank_plugin;
    if (bankSection.lease_renew_window >= bankSection.lease_expire_window) {
      throw new HoardError(
        'BANK_CONFIG_INVALID',
        `[swift_bank_plugin] lease_renew_window (${bankSection.lease_renew_window} s) must be shorter than lease_expire_window (${bankSection.lease_expire_window} s), or a lease lapses before it is renewed`,
        { path: 'swift_bank_plugin.lease_renew_window' },
      );
    }
    const cloud = await cloudConfigOf(client).catch((error: unknown) => {
      if (error instanceof OpenStackError) {
        throw new HoardError('BANK_CONFIG_INVALID', `[swift_client]: ${error.message}`, {}, { cause: error });
      }
      throw error;
    });
    const session = new Session(cloud, {
      retry: { attempts: client.swift_retry_attempts + 1, baseDelayMs: client.swift_retry_backoff * 1000 },
    });
    return new SwiftBank(new ObjectStore(session), {
      container: bankSection.bank_swift_object_container,
      segmentBytes: bankSection.segment_size,
      leaseWindows: {
        expireSeconds: bankSection.lease_expire_window,
        renewSeconds: bankSection.lease_renew_window,
      },
    }).open();
  },
});
