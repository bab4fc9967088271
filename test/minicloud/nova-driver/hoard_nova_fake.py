"""Nova's fake compute driver, completing Cinder's assisted volume snapshots.

Cinder's NFS driver snapshots an attached volume by asking the hypervisor to switch the guest to
a new qcow2 overlay (which Cinder creates) and waits until the hypervisor reports back. Nova's
FakeDriver accepts the request and never reports, so the snapshot stays 'creating'. A fake guest
writes nothing, so there is nothing to switch or merge: this driver only reports, as the libvirt
driver does once it has switched (create) or merged (delete).
"""
from nova.virt import fake
from nova.volume import cinder


class AssistedSnapshotFakeDriver(fake.FakeDriver):
    def volume_snapshot_create(self, context, instance, volume_id, create_info):
        cinder.API().update_snapshot_status(context, create_info['snapshot_id'], 'creating')

    def volume_snapshot_delete(self, context, instance, volume_id, snapshot_id, delete_info):
        cinder.API().update_snapshot_status(context, snapshot_id, 'deleting')
