import { randomBytes } from 'node:crypto';
import { SwiftBank } from '@hoard/bank-swift';
import { type HoardError, resourceKey } from '@hoard/core';
import { createProtectionService } from '@hoard/core/host';
import { createTestProvider } from '@hoard/core/testing';
import { ObjectStore, Session } from '@hoard/openstack';
import { MINICLOUD_CLOUDS_YAML, minicloud } from '@hoard/openstack/testing';
import { PROJECT_RESOURCE_TYPE, projectProtectable, projectProtectionPlugin } from '@hoard/plugin-project';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManilaClient } from './manila.js';
import { SHARE_RESOURCE_TYPE, shareProtectable } from './shareProtectable.js';
import { shareProtectionPlugin } from './shareProtectionPlugin.js';

// Runs as the demo user in the demo project of the mini-cloud (Manila's DummyDriver).
let session: Session;
let manila: ManilaClient;
let projectId: string;
const created: string[] = [];

beforeAll(async () => {
  session = new Session(await minicloud('minicloud-demo'));
  manila = new ManilaClient(session);
  projectId = (await session.getToken()).projectId!;
});

afterAll(async () => {
  for (const id of created.reverse()) {
    await session
      .request('sharev2', `/shares/${id}`, {
        method: 'DELETE',
        headers: { 'X-OpenStack-Manila-API-Version': '2.65' },
        expect: [202, 404],
      })
      .catch(() => {});
  }
});

async function newShare(name: string): Promise<string> {
  const { share } = await session.json<{ share: { id: string } }>('sharev2', '/shares', {
    method: 'POST',
    headers: { 'X-OpenStack-Manila-API-Version': '2.65' },
    json: { share: { share_proto: 'NFS', size: 1, name } },
  });
  created.push(share.id);
  await manila.waitForShare(share.id, { timeoutMs: 120_000 });
  return share.id;
}

async function setup() {
  const bank = await new SwiftBank(new ObjectStore(session), {
    container: `hoard-share-${randomBytes(4).toString('hex')}`,
  }).open();
  const provider = createTestProvider({
    protectables: [projectProtectable, shareProtectable],
    plugins: [projectProtectionPlugin, shareProtectionPlugin],
    bank,
    config: { openstack_client: { cloud: 'minicloud-demo', clouds_yaml: MINICLOUD_CLOUDS_YAML } },
  });
  return createProtectionService(provider);
}

describe('share plugin on the mini-cloud Manila', () => {
  it("protects a project's shares as snapshots, restores a new share from one, and deletes the snapshot", async () => {
    const shareId = await newShare(`hoard-share-${randomBytes(3).toString('hex')}`);
    const service = await setup();
    const project = await projectProtectable.show(
      {
        config: { openstack_client: { cloud: 'minicloud-demo', clouds_yaml: MINICLOUD_CLOUDS_YAML } },
        signal: new AbortController().signal,
        logger: console,
      },
      projectId,
    );
    const key = `${SHARE_RESOURCE_TYPE}#${shareId}`;
    const checkpoint = await service.protect({
      resources: [project],
      parameters: { [SHARE_RESOURCE_TYPE]: { snapshot_name: 'hoard', description: 'protected by hoard' } },
    });
    expect(checkpoint.status).toBe('available');
    expect(checkpoint.resources[`${PROJECT_RESOURCE_TYPE}#${projectId}`]).toEqual({ status: 'done' });
    expect(checkpoint.resources[key]).toEqual({ status: 'done' });
    expect(
      checkpoint.graph.resources.find((r) => resourceKey(r) === `${PROJECT_RESOURCE_TYPE}#${projectId}`)
        ?.dependsOn,
    ).toContainEqual({
      type: SHARE_RESOURCE_TYPE,
      id: shareId,
    });

    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: {
        [key]: { restore_name: 'restored-by-hoard', restore_description: 'from a hoard checkpoint' },
      },
    });
    expect(restore.status).toBe('success');
    const result = restore.resources[key]?.result as { share_id: string; from_snapshot: string };
    created.push(result.share_id);
    const restored = await manila.getShare(result.share_id);
    expect(restored).toMatchObject({
      status: 'available',
      name: 'restored-by-hoard',
      snapshot_id: result.from_snapshot,
    });
    expect((await manila.getSnapshot(result.from_snapshot))?.share_id).toBe(shareId);

    // Verify: the snapshot is there and available; once it is deleted behind Hoard's back, verify
    // says so, naming it.
    const verified = await service.verify({ checkpointId: checkpoint.id });
    expect(verified.status, JSON.stringify(verified.resources)).toBe('success');
    expect(verified.resources[key]?.status).toBe('verified');
    await manila.deleteSnapshot(result.from_snapshot);
    await manila.waitForSnapshot(result.from_snapshot, 'deleted', {});
    const broken = await service.verify({ checkpointId: checkpoint.id });
    expect(broken.status).toBe('fail');
    expect(broken.resources[key]?.problems).toEqual([
      `Manila snapshot ${result.from_snapshot} no longer exists`,
    ]);

    const deleted = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
    expect(deleted.status).toBe('deleted');
    expect(await manila.getSnapshot(result.from_snapshot)).toBeUndefined();
  });

  it("requires Karbor's snapshot_name and description, naming the share", async () => {
    const shareId = await newShare(`hoard-params-${randomBytes(3).toString('hex')}`);
    const service = await setup();
    const error = (await service
      .protect({ resources: [{ type: SHARE_RESOURCE_TYPE, id: shareId, name: '' }] })
      .catch((e) => e)) as HoardError;
    expect(error.code).toBe('PARAMETERS_INVALID');
    expect(error.message).toContain(`${SHARE_RESOURCE_TYPE}#${shareId}.snapshot_name: is required`);
    expect(error.message).toContain(`${SHARE_RESOURCE_TYPE}#${shareId}.description: is required`);
  });
});
