/**
 * JSON schemas of the server plugin: the parameters of each operation and the saved info.
 *
 * @remarks Declared `as const`, they are the one source of both validation (core checks every
 * value against them) and the TypeScript types the plugin's hooks see.
 */
export const serverSchemas = {
  protect: {
    title: 'Server Protection Options',
    type: 'object',
    additionalProperties: false,
    properties: {
      quiesce: {
        enum: ['none', 'pause', 'lock'],
        default: 'none',
        description:
          'Hold the server still from prepareBegin until prepareFinish, while its volumes are snapshotted: pause (stop the guest) or lock (forbid API changes)',
      },
      quiesce_timeout: {
        type: 'integer',
        minimum: 1,
        default: 300,
      },
    },
  },
  restore: {
    title: 'Server Protection Restore',
    type: 'object',
    additionalProperties: false,
    properties: {
      restore_name: {
        type: 'string',
        description: 'Name of the new server (default: <name>-restored)',
      },
      flavor: {
        type: 'string',
        description: 'Flavor id or name to boot with (default: the original flavor)',
      },
      networks: {
        description: "'auto', 'none', or a list of network ids (default: the original networks, else none)",
        anyOf: [
          {
            enum: ['auto', 'none'],
          },
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
        ],
      },
      boot_timeout: {
        type: 'integer',
        minimum: 1,
        default: 600,
      },
      attach_timeout: {
        type: 'integer',
        minimum: 1,
        default: 300,
      },
    },
  },
  savedInfo: {
    title: 'Server Protection Saved Info',
    type: 'object',
    required: [
      'server_id',
      'name',
      'flavor',
      'image_id',
      'boot_from_volume',
      'attached_volumes',
      'networks',
      'metadata',
    ],
    properties: {
      server_id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      flavor: {
        type: 'object',
        required: ['original_name'],
        properties: {
          original_name: {
            type: 'string',
          },
          vcpus: {
            type: 'integer',
          },
          ram: {
            type: 'integer',
          },
          disk: {
            type: 'integer',
          },
        },
      },
      image_id: {
        type: ['string', 'null'],
      },
      boot_from_volume: {
        type: 'boolean',
      },
      root_volume_id: {
        type: ['string', 'null'],
      },
      key_name: {
        type: ['string', 'null'],
      },
      availability_zone: {
        type: ['string', 'null'],
      },
      security_groups: {
        type: 'array',
        items: {
          type: 'string',
        },
        default: [],
      },
      metadata: {
        type: 'object',
        additionalProperties: {
          type: 'string',
        },
      },
      attached_volumes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['volume_id', 'device'],
          properties: {
            volume_id: {
              type: 'string',
            },
            device: {
              type: ['string', 'null'],
            },
          },
        },
      },
      networks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['network_id'],
          properties: {
            network_id: {
              type: 'string',
            },
            port_id: {
              type: 'string',
            },
            fixed_ips: {
              type: 'array',
              items: {
                type: 'string',
              },
            },
            mac_address: {
              type: 'string',
            },
          },
        },
      },
    },
  },
} as const;
