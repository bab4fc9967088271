import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SwiftBank } from '@hoard/bank-swift';
import { collectBody } from '@hoard/core';
import { checkpointKeys, createProtectionService } from '@hoard/core/host';
import { createTestProvider } from '@hoard/core/testing';
import { ObjectStore, Session } from '@hoard/openstack';
import { MINICLOUD_CLOUDS_YAML, minicloud } from '@hoard/openstack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlanceClient } from './glance.js';
import { IMAGE_RESOURCE_TYPE, imageProtectable } from './imageProtectable.js';
import { imageProtectionPlugin } from './imageProtectionPlugin.js';

let session: Session;
let glance: GlanceClient;
const images: string[] = [];

beforeAll(async () => {
  session = new Session(await minicloud('minicloud-demo'));
  glance = new GlanceClient(session);
});

afterAll(async () => {
  for (const id of images) await glance.deleteImage(id).catch(() => {});
});

describe('image plugin on the mini-cloud Glance', () => {
  it('streams an image into the bank in chunks, restores a verified copy after the original is gone, and deletes the data', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 4321);
    const image = await glance.createImage({
      name: `hoard-image-${randomBytes(3).toString('hex')}`,
      disk_format: 'raw',
      container_format: 'bare',
      hoard_test_property: 'kept',
    });
    images.push(image.id);
    await glance.upload(image.id, Readable.from([data]));
    await glance.waitActive(image.id);
    const original = await glance.getImage(image.id);

    const bank = await new SwiftBank(new ObjectStore(session), {
      container: `hoard-image-${randomBytes(4).toString('hex')}`,
    }).open();
    const hoard = await createProtectionService(
      createTestProvider({
        protectables: [imageProtectable],
        plugins: [imageProtectionPlugin],
        bank,
        config: { openstack_client: { cloud: 'minicloud-demo', clouds_yaml: MINICLOUD_CLOUDS_YAML } },
      }),
    );
    const key = `${IMAGE_RESOURCE_TYPE}#${image.id}`;
    const checkpoint = await hoard.protect({
      resources: [{ type: IMAGE_RESOURCE_TYPE, id: image.id, name: '' }],
      parameters: { [IMAGE_RESOURCE_TYPE]: { chunk_size: 1024 * 1024 } },
    });
    expect(checkpoint.status).toBe('available');
    const chunks: string[] = [];
    for await (const o of bank.list({ prefix: checkpointKeys.resourceData(checkpoint.id, key) }))
      chunks.push(o.key);
    expect(chunks).toHaveLength(4);

    await glance.deleteImage(image.id);
    const restore = await hoard.restore({
      checkpointId: checkpoint.id,
      parameters: { [key]: { restore_name: 'restored-image' } },
    });
    expect(restore.status).toBe('success');
    const result = restore.resources[key]?.result as { image_id: string; checksum: string; sha256: string };
    images.push(result.image_id);
    const restored = await glance.getImage(result.image_id);
    expect(restored).toMatchObject({
      status: 'active',
      name: 'restored-image',
      checksum: original?.checksum,
      hoard_test_property: 'kept',
    });
    const downloaded = Buffer.from(await collectBody(await glance.download(result.image_id)));
    expect(downloaded.equals(data)).toBe(true);
    expect(result.sha256).toBe(createHash('sha256').update(data).digest('hex'));

    expect(await hoard.deleteCheckpoint({ checkpointId: checkpoint.id })).toMatchObject({
      status: 'deleted',
    });
    const left: string[] = [];
    for await (const o of bank.list({ prefix: 'checkpoints/' })) left.push(o.key);
    expect(left).toEqual([]);
  });
});
