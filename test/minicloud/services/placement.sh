# Placement under uwsgi on :8778.
placement_packages="placement-api uwsgi-core uwsgi-plugin-python3"

placement_configure() {
  db_create placement
  cat > /etc/placement/placement.conf <<CONF
[DEFAULT]
log_file = $MC_LOG/placement.log
[api]
auth_strategy = keystone
[placement_database]
connection = $MC_DB_URL_BASE/placement
$(keystone_authtoken placement)
CONF
  sed -e 's/127.0.0.1:5000/127.0.0.1:8778/' -e 's#/usr/bin/keystone-wsgi-public#/usr/bin/placement-api#' \
    /etc/keystone/minicloud-uwsgi.ini > /etc/placement/minicloud-uwsgi.ini
  placement-manage db sync >>"$MC_LOG/install.log" 2>&1
  service_user placement
  endpoint placement placement http://127.0.0.1:8778
}

placement_start() {
  start_bg placement uwsgi_python3 --ini /etc/placement/minicloud-uwsgi.ini
  wait_until 60 placement http_ok http://127.0.0.1:8778/
}
