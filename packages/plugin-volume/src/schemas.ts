/**
 * JSON schemas of the volume plugin: the parameters of each operation and the saved info.
 *
 * @remarks Declared `as const`, they are the one source of both validation (core checks every
 * value against them) and the TypeScript types the plugin's hooks see.
 */
export const volumeSchemas = {
  protect: {
    title: 'Volume Protection Options',
    type: 'object',
    additionalProperties: false,
    properties: {
      backup_mode: {
        enum: ['auto', 'full', 'incremental'],
        default: 'auto',
        description:
          'auto: incremental when an earlier available backup of the same volume exists, else full; incremental fails without one',
      },
      backup_name: {
        type: 'string',
        description: 'Name of the Cinder backup (default: hoard-<checkpoint id>)',
      },
      backup_description: {
        type: 'string',
      },
      snapshot_timeout: {
        type: 'integer',
        minimum: 1,
        default: 600,
        description: 'Seconds to wait for the snapshot',
      },
      backup_timeout: {
        type: 'integer',
        minimum: 1,
        default: 3600,
        description: 'Seconds to wait for the backup',
      },
    },
  },
  restore: {
    title: 'Volume Protection Restore',
    type: 'object',
    additionalProperties: false,
    properties: {
      volume_id: {
        type: 'string',
        description: 'Restore into this existing volume (it is overwritten); default: a new volume',
      },
      restore_name: {
        type: 'string',
        description: 'Name of the new volume',
      },
      restore_timeout: {
        type: 'integer',
        minimum: 1,
        default: 3600,
      },
    },
  },
  savedInfo: {
    title: 'Volume Protection Saved Info',
    type: 'object',
    required: ['volume_id', 'backup_id', 'size', 'mode'],
    properties: {
      volume_id: {
        type: 'string',
      },
      backup_id: {
        type: 'string',
      },
      snapshot_id: {
        type: ['string', 'null'],
      },
      size: {
        type: 'integer',
      },
      mode: {
        enum: ['full', 'incremental'],
      },
      name: {
        type: ['string', 'null'],
      },
      volume_type: {
        type: ['string', 'null'],
      },
      availability_zone: {
        type: ['string', 'null'],
      },
      bootable: {
        type: 'boolean',
      },
    },
  },
} as const;
