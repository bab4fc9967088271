# Cinder: api (:8776), scheduler, volume, backup. This kernel has no device-mapper, so no LVM:
# the NFS driver runs on a local directory bind-mounted where the driver expects its NFS mount
# (os-brick skips mounting when the mount point is already mounted). Backups: posix driver.
cinder_packages="cinder-api cinder-scheduler cinder-volume cinder-backup python3-cinderclient nfs-common sudo qemu-utils dmidecode"
CINDER_SHARE="127.0.0.1:$MC_DATA/cinder/export"

cinder_mount_point() {
  echo "$MC_DATA/cinder/mnt/$(printf '%s' "$CINDER_SHARE" | md5sum | cut -d' ' -f1)"
}

cinder_configure() {
  db_create cinder
  mkdir -p "$MC_DATA/cinder/export" "$MC_DATA/cinder/mnt" "$MC_DATA/cinder/backup" "$MC_DATA/cinder/lock"
  echo "$CINDER_SHARE" > /etc/cinder/nfs_shares
  cat > /etc/cinder/cinder.conf <<CONF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/
auth_strategy = keystone
my_ip = 127.0.0.1
host = minicloud
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
log_dir = $MC_LOG
state_path = $MC_DATA/cinder
rootwrap_config = /etc/cinder/rootwrap.conf
api_paste_config = /etc/cinder/api-paste.ini
glance_api_servers = http://127.0.0.1:9292
enabled_backends = nfs1
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $MC_DATA/cinder/backup
[nfs1]
volume_driver = cinder.volume.drivers.nfs.NfsDriver
volume_backend_name = nfs1
nfs_shares_config = /etc/cinder/nfs_shares
nfs_mount_point_base = $MC_DATA/cinder/mnt
nfs_snapshot_support = true
nfs_sparsed_volumes = true
nas_secure_file_operations = false
nas_secure_file_permissions = false
[database]
connection = $MC_DB_URL_BASE/cinder
$(keystone_authtoken cinder)
$(service_auth nova nova)
[oslo_concurrency]
lock_path = $MC_DATA/cinder/lock
CONF
  cinder-manage db sync >>"$MC_LOG/install.log" 2>&1
  service_user cinder
  endpoint volumev3 cinderv3 'http://127.0.0.1:8776/v3/%(project_id)s'
}

cinder_start() {
  local mount_point
  mount_point=$(cinder_mount_point)
  mkdir -p "$mount_point"
  grep -q " $mount_point " /proc/mounts || mount --bind "$MC_DATA/cinder/export" "$mount_point"
  local s
  for s in api scheduler volume backup; do
    start_bg "cinder-$s" "cinder-$s" --config-file /etc/cinder/cinder.conf
  done
  wait_until 90 cinder-api http_ok http://127.0.0.1:8776/
  wait_until 90 "cinder services" services_up cinder cinder-scheduler cinder-volume cinder-backup
}

cinder_stop_extra() {
  local mount_point
  mount_point=$(cinder_mount_point)
  grep -q " $mount_point " /proc/mounts && umount "$mount_point" || true
}
