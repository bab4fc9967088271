# Glance API on :9292, file store.
glance_packages="glance-api python3-glanceclient"

glance_configure() {
  db_create glance
  mkdir -p "$MC_DATA/glance/images" "$MC_DATA/glance/staging" "$MC_DATA/glance/tasks" /var/lock/glance
  cat > /etc/glance/glance-api.conf <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 0
log_file = $MC_LOG/glance-api.log
enabled_backends = fs:file
[database]
connection = $MC_DB_URL_BASE/glance
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $MC_DATA/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $MC_DATA/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $MC_DATA/glance/tasks
$(keystone_authtoken glance)
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = /var/lock/glance
CONF
  glance-manage db_sync >>"$MC_LOG/install.log" 2>&1
  service_user glance
  endpoint image glance http://127.0.0.1:9292
}

glance_start() {
  start_bg glance-api glance-api --config-file /etc/glance/glance-api.conf
  wait_until 90 glance bash -c 'curl -sS -o /dev/null --max-time 2 http://127.0.0.1:9292/versions'
}
