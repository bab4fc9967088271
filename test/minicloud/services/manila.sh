# Manila: api (:8786), scheduler, share, with the DummyDriver Debian ships in python3-manila
# (metadata only: real drivers need device-mapper, kernel NFS or VMs).
manila_packages="manila-api manila-scheduler manila-share python3-manilaclient"

manila_configure() {
  db_create manila
  mkdir -p "$MC_DATA/manila/lock"
  cat > /etc/manila/manila.conf <<CONF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/
auth_strategy = keystone
host = minicloud
osapi_share_listen = 127.0.0.1
osapi_share_listen_port = 8786
osapi_share_workers = 1
log_dir = $MC_LOG
state_path = $MC_DATA/manila
rootwrap_config = /etc/manila/rootwrap.conf
api_paste_config = /etc/manila/api-paste.ini
default_share_type = default
enabled_share_protocols = NFS,CIFS
enabled_share_backends = dummy1
[dummy1]
share_driver = manila.tests.share.drivers.dummy.DummyDriver
share_backend_name = dummy1
driver_handles_share_servers = False
dummy_driver_default_driver_method_delay = 0.05
dummy_driver_driver_methods_delays = create_share:0.2
[database]
connection = $MC_DB_URL_BASE/manila
$(keystone_authtoken manila)
[oslo_concurrency]
lock_path = $MC_DATA/manila/lock
CONF
  manila-manage db sync >>"$MC_LOG/install.log" 2>&1
  service_user manila
  endpoint sharev2 manilav2 http://127.0.0.1:8786/v2
  manila_start
  admin_env
  if ! openstack share type show default >/dev/null 2>&1; then
    openstack share type create default False --snapshot-support True --create-share-from-snapshot-support True \
      --revert-to-snapshot-support True --mount-snapshot-support True >/dev/null
  fi
}

manila_start() {
  local s
  for s in api scheduler share; do
    start_bg "manila-$s" "manila-$s" --config-file /etc/manila/manila.conf
  done
  wait_until 90 manila-api http_ok http://127.0.0.1:8786/
  wait_until 90 "manila services" services_up manila manila-scheduler manila-share
}
