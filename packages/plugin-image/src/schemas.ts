/**
 * JSON schemas of the image plugin: the parameters of each operation and the saved info.
 *
 * @remarks Declared `as const`, they are the one source of both validation (core checks every
 * value against them) and the TypeScript types the plugin's hooks see.
 */
export const imageSchemas = {
  protect: {
    title: 'Image Protection Options',
    type: 'object',
    additionalProperties: false,
    properties: {
      chunk_size: {
        type: 'integer',
        minimum: 1048576,
        maximum: 1073741824,
        default: 33554432,
        description: 'Bytes per bank object; memory use is bounded by one chunk',
      },
      image_timeout: {
        type: 'integer',
        minimum: 1,
        default: 1800,
        description: 'Seconds to wait for the image to be active',
      },
    },
  },
  restore: {
    title: 'Image Protection Restore',
    type: 'object',
    additionalProperties: false,
    properties: {
      restore_name: {
        type: 'string',
        description: 'Name of the new image (default: <name>-restored)',
      },
      visibility: {
        enum: ['private', 'shared', 'community', 'public'],
        description: 'Default: private',
      },
      image_timeout: {
        type: 'integer',
        minimum: 1,
        default: 1800,
      },
    },
  },
  savedInfo: {
    title: 'Image Protection Saved Info',
    type: 'object',
    required: ['image_id', 'disk_format', 'container_format', 'size', 'sha256', 'chunks'],
    properties: {
      image_id: {
        type: 'string',
      },
      name: {
        type: ['string', 'null'],
      },
      disk_format: {
        type: 'string',
      },
      container_format: {
        type: 'string',
      },
      size: {
        type: 'integer',
        minimum: 0,
      },
      checksum: {
        type: ['string', 'null'],
        description: "Glance's MD5 checksum",
      },
      sha256: {
        type: 'string',
        pattern: '^[0-9a-f]{64}$',
      },
      chunks: {
        type: 'integer',
        minimum: 0,
      },
      min_disk: {
        type: 'integer',
      },
      min_ram: {
        type: 'integer',
      },
      properties: {
        type: 'object',
        additionalProperties: {
          type: 'string',
        },
      },
    },
  },
} as const;
