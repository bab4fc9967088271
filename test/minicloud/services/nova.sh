# Nova: api (:8774), conductor, scheduler, compute with a fake driver (servers are records only)
# that also completes Cinder's assisted volume snapshots (nova-driver/hoard_nova_fake.py).
# nova-compute needs a hypervisor package: nova-compute-ironic is the lightest (no libvirt daemon).
nova_packages="nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic python3-novaclient"

nova_configure() {
  db_create nova_api
  db_create nova
  db_create nova_cell0
  mkdir -p "$MC_DATA/nova/lock" "$MC_DATA/nova/instances"
  cat > /etc/nova/nova.conf <<CONF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/
my_ip = 127.0.0.1
host = minicloud
# The fake driver, plus answers to Cinder's assisted snapshots (test/minicloud/nova-driver/hoard_nova_fake.py).
compute_driver = hoard_nova_fake.AssistedSnapshotFakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
log_dir = $MC_LOG
state_path = $MC_DATA/nova
instances_path = $MC_DATA/nova/instances
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $MC_DB_URL_BASE/nova_api
[database]
connection = $MC_DB_URL_BASE/nova
$(keystone_authtoken nova)
$(service_auth placement nova)
$(service_auth cinder nova)
os_region_name = RegionOne
$(service_auth neutron nova)
$(service_auth service_user nova)
send_service_user_token = true
[glance]
api_servers = http://127.0.0.1:9292
[scheduler]
discover_hosts_in_cells_interval = 5
workers = 1
[conductor]
workers = 1
[vnc]
enabled = false
[oslo_concurrency]
lock_path = $MC_DATA/nova/lock
CONF
  {
    nova-manage api_db sync
    nova-manage cell_v2 map_cell0 --database_connection "$MC_DB_URL_BASE/nova_cell0"
    nova-manage cell_v2 create_cell --name cell1 || true
    nova-manage db sync
  } >>"$MC_LOG/install.log" 2>&1
  service_user nova
  endpoint compute nova http://127.0.0.1:8774/v2.1
  nova_start
  admin_env
  openstack flavor show m1.tiny >/dev/null 2>&1 || openstack flavor create --vcpus 1 --ram 512 --disk 1 m1.tiny >/dev/null
}

nova_start() {
  local s
  for s in api conductor scheduler compute; do
    start_bg "nova-$s" env PYTHONPATH="$MC_DIR/nova-driver" "nova-$s" --config-file /etc/nova/nova.conf
  done
  wait_until 120 nova-api http_ok http://127.0.0.1:8774/
  wait_until 120 "nova services" services_up nova nova-conductor nova-scheduler nova-compute
  # Map the compute host into cell1 now rather than at the scheduler's next periodic discovery.
  nova-manage cell_v2 discover_hosts >>"$MC_LOG/install.log" 2>&1 || true
}
