# Neutron: Debian's real neutron-server, ML2 with no agents (ports and security groups answer;
# nothing is wired, so servers boot with --nic none).
neutron_packages="neutron-server python3-neutronclient"

neutron_configure() {
  db_create neutron
  mkdir -p "$MC_DATA/neutron/lock"
  cat > /etc/neutron/neutron.conf <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9696
core_plugin = ml2
# The ports API needs the port-forwarding models (neutron Zed loads them with these plugins).
service_plugins = router,port_forwarding
auth_strategy = keystone
transport_url = rabbit://guest:guest@127.0.0.1:5672/
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
log_file = $MC_LOG/neutron-server.log
state_path = $MC_DATA/neutron
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $MC_DB_URL_BASE/neutron
$(keystone_authtoken neutron)
[oslo_concurrency]
lock_path = $MC_DATA/neutron/lock
CONF
  cat > /etc/neutron/plugins/ml2/ml2_conf.ini <<'CONF'
[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[securitygroup]
enable_security_group = true
CONF
  neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade heads >>"$MC_LOG/install.log" 2>&1
  service_user neutron
  endpoint network neutron http://127.0.0.1:9696
}

neutron_start() {
  start_bg neutron-server neutron-server --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini
  wait_until 120 neutron-server http_ok http://127.0.0.1:9696/
  # Neutron Zed answers GET /v2.0/ports with HTTP 500 ("Port has no attribute port_forwardings")
  # until some query has made SQLAlchemy configure its mappers; list networks once to do that.
  admin_env
  wait_until 60 "neutron warm-up" openstack network list
}
