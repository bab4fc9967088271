# Keystone under uwsgi on :5000 (Debian's own ini loads apparmor and 8x32 workers: not used).
keystone_packages="keystone python3-openstackclient uwsgi-core uwsgi-plugin-python3"

keystone_configure() {
  db_create keystone
  cat > /etc/keystone/keystone.conf <<CONF
[DEFAULT]
log_file = $MC_LOG/keystone.log
[database]
connection = $MC_DB_URL_BASE/keystone
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = /etc/keystone/fernet-keys/
[credential]
key_repository = /etc/keystone/credential-keys/
[oslo_policy]
policy_dirs = /etc/keystone/policy.d
CONF
  # uwsgi's http-socket closes connections that clients expect to reuse: say so in every answer.
  cat > /etc/keystone/minicloud-uwsgi.ini <<'INI'
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:5000
wsgi-file = /usr/bin/keystone-wsgi-public
master = true
processes = 1
threads = 4
lazy-apps = true
buffer-size = 65535
die-on-term = true
add-header = Connection: close
INI
  keystone-manage db_sync 2>>"$MC_LOG/install.log"
  keystone-manage fernet_setup --keystone-user root --keystone-group root 2>>"$MC_LOG/install.log"
  keystone-manage credential_setup --keystone-user root --keystone-group root 2>>"$MC_LOG/install.log"
  keystone-manage bootstrap --bootstrap-password "$MC_ADMIN_PASSWORD" \
    --bootstrap-admin-url http://127.0.0.1:5000/v3/ --bootstrap-internal-url http://127.0.0.1:5000/v3/ \
    --bootstrap-public-url http://127.0.0.1:5000/v3/ --bootstrap-region-id RegionOne 2>>"$MC_LOG/install.log"
  keystone_start
  admin_env
  openstack project create --or-show --domain default service -f value -c id >/dev/null
  openstack role create --or-show service -f value -c id >/dev/null
  openstack role create --or-show member -f value -c id >/dev/null
  # A second, unprivileged user for tests.
  openstack project create --or-show --domain default demo -f value -c id >/dev/null
  openstack user create --or-show --domain default --password demo demo -f value -c id >/dev/null
  openstack role add --project demo --user demo member
}

keystone_start() {
  start_bg keystone uwsgi_python3 --ini /etc/keystone/minicloud-uwsgi.ini
  wait_until 60 keystone http_ok http://127.0.0.1:5000/v3
}

# service_user NAME: a service user with admin and service roles in project service.
service_user() {
  admin_env
  openstack user create --or-show --domain default --password "$MC_SERVICE_PASSWORD" "$1" -f value -c id >/dev/null
  openstack role add --project service --user "$1" admin
  openstack role add --project service --user "$1" service
}

# endpoint TYPE NAME URL: a service and its three endpoints, once.
endpoint() {
  admin_env
  local type=$1 name=$2 url=$3
  if ! openstack service show "$name" >/dev/null 2>&1; then
    openstack service create --name "$name" "$type" >/dev/null
  fi
  for interface in public internal admin; do
    if [[ -z $(openstack endpoint list --service "$name" --interface "$interface" -f value -c ID) ]]; then
      openstack endpoint create --region RegionOne "$name" "$interface" "$url" >/dev/null
    fi
  done
}

# keystone_authtoken USER: the [keystone_authtoken] section of a service's config.
keystone_authtoken() {
  cat <<CONF
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $MC_SERVICE_PASSWORD
service_token_roles_required = true
CONF
}

# service_auth SECTION USER: a password-auth section for service-to-service calls.
service_auth() {
  cat <<CONF
[$1]
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $MC_SERVICE_PASSWORD
region_name = RegionOne
CONF
}

# services_up BINARY... : each listed service reported in within the last 30 s (cinder/manila/nova tables).
services_up() {
  local db=$1; shift
  local binary
  for binary in "$@"; do
    [[ $(mariadb -uroot -N -e "SELECT COUNT(*) FROM \`$db\`.services WHERE \`binary\` = '$binary' AND deleted = 0 AND updated_at > UTC_TIMESTAMP() - INTERVAL 30 SECOND") -ge 1 ]] || return 1
  done
}
