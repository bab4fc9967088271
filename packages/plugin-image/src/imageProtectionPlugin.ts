import { createHash } from 'node:crypto';
import {
  defineProtectionPlugin,
  HoardError,
  type HookContexts,
  type JsonObject,
  resourceKey,
  type SchemaType,
} from '@hoard/core';
import { OPENSTACK_CONFIG_SECTIONS, type OpenStackConfig } from '@hoard/openstack';
import { imageProperties } from './glance.js';
import { glanceFor, IMAGE_RESOURCE_TYPE } from './imageProtectable.js';
import { imageSchemas } from './schemas.js';

/** What the image plugin records in a checkpoint (its `savedInfo` schema). */
type ImageSavedInfo = SchemaType<typeof imageSchemas.savedInfo>;
type Contexts = HookContexts<typeof imageSchemas, OpenStackConfig>;

const chunkKey = (index: number): string => `chunks/${String(index).padStart(8, '0')}`;

/** Streams the image data into bank objects of `chunk_size` bytes, verifying Glance's checksum. */
async function protectMain(context: Contexts['protect']): Promise<JsonObject> {
  const glance = await glanceFor(context);
  const params = context.parameters;
  const image = await glance.getImage(context.resource.id, { signal: context.signal });
  if (image === undefined) {
    throw new HoardError('RESOURCE_NOT_FOUND', `Image '${context.resource.id}' no longer exists`, {
      resourceKey: resourceKey(context.resource),
    });
  }
  if (image.status !== 'active') {
    await glance.waitActive(image.id, { signal: context.signal, timeoutMs: params.image_timeout * 1000 });
  }
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  let chunks = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const body = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await context.workPool.run(() => context.bank.put(chunkKey(chunks), body));
    chunks++;
    context.progress.items(chunks);
  };
  for await (const piece of await glance.download(image.id, { signal: context.signal })) {
    const bytes = piece as Buffer;
    sha256.update(bytes);
    md5.update(bytes);
    size += bytes.length;
    context.progress.bytes(bytes.length);
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, params.chunk_size - pendingBytes);
      pending.push(bytes.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === params.chunk_size) await flush();
    }
  }
  await flush();
  const md5Hex = md5.digest('hex');
  if (image.checksum && image.checksum !== md5Hex) {
    throw new HoardError(
      'OPERATION_FAILED',
      `Image ${image.id} data read from Glance has MD5 ${md5Hex}, but Glance's checksum is ${image.checksum}`,
      { resourceKey: resourceKey(context.resource) },
    );
  }
  const info: ImageSavedInfo = {
    image_id: image.id,
    name: image.name,
    disk_format: image.disk_format ?? 'raw',
    container_format: image.container_format ?? 'bare',
    size,
    checksum: image.checksum,
    sha256: sha256.digest('hex'),
    chunks,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    properties: imageProperties(image),
  };
  context.setSavedInfo(info);
  return { size, chunks };
}

/** Uploads a new image from the bank, verifying the SHA-256 on the way out and Glance's checksum after. */
async function restoreMain(context: Contexts['restore']): Promise<JsonObject> {
  const info = await context.requireSavedInfo();
  const params = context.parameters;
  const glance = await glanceFor(context);
  const image = await glance.createImage(
    {
      ...info.properties,
      name: params.restore_name ?? `${info.name ?? info.image_id}-restored`,
      disk_format: info.disk_format,
      container_format: info.container_format,
      min_disk: info.min_disk,
      min_ram: info.min_ram,
      visibility: params.visibility ?? 'private',
    },
    { signal: context.signal },
  );
  const sha256 = createHash('sha256');
  const bank = context.bank;
  const progress = context.progress;
  async function* data(): AsyncGenerator<Uint8Array> {
    for (let index = 0; index < info.chunks; index++) {
      for await (const piece of await bank.getStream(chunkKey(index))) {
        sha256.update(piece as Buffer);
        progress.bytes((piece as Buffer).length);
        yield piece as Buffer;
      }
    }
  }
  try {
    await glance.upload(image.id, data(), { signal: context.signal });
    const actual = sha256.digest('hex');
    if (actual !== info.sha256) {
      throw new HoardError(
        'CHECKPOINT_INVALID',
        `Image data of ${info.image_id} read back from the bank has SHA-256 ${actual}, expected ${info.sha256}: the checkpoint is damaged`,
        { resourceKey: resourceKey(context.resource) },
      );
    }
    await glance.waitActive(image.id, { signal: context.signal, timeoutMs: params.image_timeout * 1000 });
    const uploaded = await glance.getImage(image.id, { signal: context.signal });
    if (info.checksum && uploaded?.checksum !== info.checksum) {
      throw new HoardError(
        'OPERATION_FAILED',
        `Restored image ${image.id} has checksum ${uploaded?.checksum}, expected ${info.checksum}`,
        { resourceKey: resourceKey(context.resource) },
      );
    }
  } catch (error) {
    await glance.deleteImage(image.id).catch(() => {}); // no half-uploaded image left behind
    throw error;
  }
  return {
    image_id: image.id,
    original_image_id: info.image_id,
    checksum: info.checksum ?? null,
    sha256: info.sha256,
  };
}

async function deleteMain(context: Contexts['delete']): Promise<JsonObject> {
  const keys: string[] = [];
  for await (const object of context.bank.list()) keys.push(object.key);
  for (const key of keys) await context.bank.delete(key);
  return { deletedObjects: keys.length };
}

/**
 * The protection plugin of Glance images: protect streams the image data into the bank in
 * chunks (memory bounded by one chunk, SHA-256 recorded, Glance's MD5 checked) with its
 * properties; restore uploads a new image from the bank and verifies it; delete removes the data.
 */
export const imageProtectionPlugin = defineProtectionPlugin({
  name: 'image',
  resourceTypes: [IMAGE_RESOURCE_TYPE],
  schemas: imageSchemas,
  configSections: OPENSTACK_CONFIG_SECTIONS,
  hooks: {
    protect: { main: protectMain },
    restore: { main: restoreMain },
    delete: { main: deleteMain },
  },
});
