/** Bytes saved as base64 (a name or link target that is not valid UTF-8, an xattr value). */
const BASE64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
/** Extended attributes: name → base64 of the value. */
const XATTRS = {
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 255 },
  additionalProperties: BASE64,
} as const;

/**
 * JSON schemas of the directory plugin: the parameters of each operation and the saved info.
 *
 * @remarks Declared `as const`, they are the one source of both validation (core checks every
 * value against them) and the TypeScript types the plugin's hooks see.
 */
export const directorySchemas = {
  protect: {
    $comment: 'Parameters of Hoard::Local::Directory for protect',
    type: 'object',
    additionalProperties: false,
    properties: {
      exclude: {
        type: 'array',
        items: {
          type: 'string',
          minLength: 1,
          // Exact relative paths only: './sub', 'sub/', '/abs', '..' or '*.txt' would match
          // nothing and silently exclude nothing, so they are refused.
          pattern: '^(?!/)(?!.*//)(?!.*/$)(?!(?:.*/)?\\.\\.?(?:/|$))[^*?[\\]]+$',
          description:
            'a path relative to the directory, as it is spelt under it (a/b/c.txt): no leading / or ./, no trailing /, no . or .. part, no wildcards',
        },
        default: [],
        description:
          'Exact paths relative to the directory to leave out, such as logs or cache/tmp (a directory excludes everything under it); wildcards are not supported',
      },
    },
  },
  restore: {
    $comment: 'Parameters of Hoard::Local::Directory for restore',
    type: 'object',
    additionalProperties: false,
    properties: {
      target: {
        type: 'string',
        minLength: 1,
        description:
          'Directory to restore into; default: a new sibling of the original, <name>-restored-<suffix>',
      },
      overwrite: {
        type: 'boolean',
        default: false,
        description:
          'Allow restoring into an existing non-empty directory (including the original), replacing files of the same name',
      },
    },
  },
  delete: {
    $comment: 'Parameters of Hoard::Local::Directory for delete (none)',
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  savedInfo: {
    $comment: 'What Hoard::Local::Directory records in a checkpoint (docs/protocol.md, "Directory plugin")',
    type: 'object',
    additionalProperties: false,
    required: ['root', 'files', 'directories', 'symlinks', 'totalBytes'],
    properties: {
      root: {
        type: 'string',
        minLength: 1,
      },
      totalBytes: {
        type: 'integer',
        minimum: 0,
      },
      rootDirectory: {
        type: 'object',
        additionalProperties: false,
        required: ['mode', 'mtimeMs'],
        properties: {
          mode: { type: 'integer', minimum: 0, maximum: 4095 },
          mtimeMs: { type: 'number' },
          uid: { type: 'integer', minimum: 0 },
          gid: { type: 'integer', minimum: 0 },
          xattrs: XATTRS,
        },
      },
      files: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'mode', 'mtimeMs', 'size', 'sha256', 'object'],
          properties: {
            path: { type: 'string', minLength: 1 },
            pathBase64: BASE64,
            mode: { type: 'integer', minimum: 0, maximum: 4095 },
            mtimeMs: { type: 'number' },
            uid: { type: 'integer', minimum: 0 },
            gid: { type: 'integer', minimum: 0 },
            size: { type: 'integer', minimum: 0 },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            object: { type: 'string', minLength: 1 },
            xattrs: XATTRS,
          },
        },
      },
      hardLinks: {
        type: 'array',
        description: 'Further names of a file saved once: file is its index in files',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'file'],
          properties: {
            path: { type: 'string', minLength: 1 },
            pathBase64: BASE64,
            file: { type: 'integer', minimum: 0 },
          },
        },
      },
      directories: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'mode'],
          properties: {
            path: { type: 'string', minLength: 1 },
            pathBase64: BASE64,
            mode: { type: 'integer', minimum: 0, maximum: 4095 },
            mtimeMs: { type: 'number' },
            uid: { type: 'integer', minimum: 0 },
            gid: { type: 'integer', minimum: 0 },
            xattrs: XATTRS,
          },
        },
      },
      symlinks: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'target'],
          properties: {
            path: { type: 'string', minLength: 1 },
            pathBase64: BASE64,
            target: { type: 'string' },
            targetBase64: BASE64,
            mtimeMs: { type: 'number' },
            uid: { type: 'integer', minimum: 0 },
            gid: { type: 'integer', minimum: 0 },
          },
        },
      },
      leftOut: {
        type: 'array',
        description: 'Entries not saved, each with why: FIFOs, sockets, devices, the bank itself',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'kind', 'reason'],
          properties: {
            path: { type: 'string', minLength: 1 },
            pathBase64: BASE64,
            kind: { type: 'string' },
            reason: { type: 'string' },
          },
        },
      },
    },
  },
} as const;
