/**
 * JSON schemas of the share plugin: the parameters of each operation and the saved info.
 *
 * @remarks Declared `as const`, they are the one source of both validation (core checks every
 * value against them) and the TypeScript types the plugin's hooks see.
 */
export const shareSchemas = {
  protect: {
    title: 'Share Protection Options',
    type: 'object',
    properties: {
      snapshot_name: {
        type: 'string',
        title: 'Snapshot Name',
        description: 'The name of the snapshot.',
      },
      description: {
        type: 'string',
        title: 'Description',
        description: 'The description of the share snapshot.',
      },
      force: {
        type: 'boolean',
        title: 'Force',
        description: "Optional flag to indicate whether to snapshot a share even if it's busy.",
        default: false,
      },
    },
    required: ['snapshot_name', 'description', 'force'],
  },
  restore: {
    title: 'Share Protection Restore',
    type: 'object',
    properties: {
      share_id: {
        type: 'string',
        title: 'Share ID',
        description:
          'The target share ID to restore to: the protected share itself, reverted to the snapshot. Without it, a new share is created from the snapshot.',
      },
      restore_name: {
        type: 'string',
        title: 'Restore Name',
        description: 'The name of the restored share.',
      },
      restore_description: {
        type: 'string',
        title: 'Restore Description',
        description: 'The description of the restored share.',
      },
    },
  },
  savedInfo: {
    title: 'Share Protection Saved Info',
    type: 'object',
    required: ['share_id', 'snapshot_id', 'share_proto', 'size'],
    properties: {
      share_id: {
        type: 'string',
      },
      snapshot_id: {
        type: 'string',
      },
      snapshot_status: {
        type: 'string',
      },
      share_proto: {
        type: 'string',
      },
      size: {
        type: 'integer',
      },
      share_type: {
        type: ['string', 'null'],
      },
      name: {
        type: ['string', 'null'],
      },
    },
  },
} as const;
