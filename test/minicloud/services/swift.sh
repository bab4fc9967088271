# Swift: one replica on a plain directory, keystone auth, proxy on :8080.
swift_packages="swift swift-proxy swift-account swift-container swift-object python3-keystonemiddleware python3-swiftclient"

swift_configure() {
  local node=$MC_DATA/swift/node
  rm -rf "$MC_DATA/swift" && mkdir -p "$node/d1" /var/cache/swift
  cat > /etc/swift/swift.conf <<'CONF'
[swift-hash]
swift_hash_path_suffix = minicloud
swift_hash_path_prefix = minicloud
[storage-policy:0]
name = Policy-0
default = yes
CONF
  local server port
  for server in account:6202 container:6201 object:6200; do
    port=${server#*:}; server=${server%%:*}
    cat > "/etc/swift/$server-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = root
devices = $node
mount_check = false
log_level = WARNING
[pipeline:main]
pipeline = healthcheck $server-server
[app:$server-server]
use = egg:swift#$server
[filter:healthcheck]
use = egg:swift#healthcheck
[$server-replicator]
[$server-auditor]
CONF
    (cd /etc/swift && rm -f "$server.builder" "$server.ring.gz" &&
      swift-ring-builder "$server.builder" create 8 1 0 >/dev/null &&
      swift-ring-builder "$server.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null &&
      swift-ring-builder "$server.builder" rebalance >/dev/null)
  done
  cat >> /etc/swift/container-server.conf <<'CONF'
[container-sync]
CONF
  swift_container_updater_conf
  swift_object_updater_conf
  cat > /etc/swift/proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = 8080
workers = 0
user = root
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging listing_formats bulk tempurl authtoken keystoneauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = True
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_name = service
project_domain_name = Default
user_domain_name = Default
username = swift
password = $MC_SERVICE_PASSWORD
# Revalidate tokens every 5 s (default 300 s), so that a revoked token is refused quickly: the
# integration tests revoke one mid-operation.
token_cache_time = 5
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
CONF
  service_user swift
  endpoint object-store swift 'http://127.0.0.1:8080/v1/AUTH_%(project_id)s'
}

# The object updater applies the container listing updates that an object server could not
# make at once (a busy container server: they wait in async_pending), as every Swift deployment
# runs it. Without it, on a loaded machine, a deleted object stays listed for good (seen by the
# fault suite). Also added at start to a mini-cloud configured before it existed.
swift_object_updater_conf() {
  grep -q '^\[object-updater\]' /etc/swift/object-server.conf ||
    printf '[object-updater]\ninterval = 2\nconcurrency = 1\n' >> /etc/swift/object-server.conf
}

# The container updater sends each container's counts to its account. Every pass forks a
# process per partition that holds containers (up to `concurrency` at once), each costing a
# Python start: at `interval = 5` with 4 at once it kept both cores of a 2-core machine busy for
# good (seen: 200 % CPU with nothing else running; at 60 s with one, still 70 %). Tests need no
# fresh account counts (a container PUT or DELETE reaches the account at once), so one pass an
# hour. Also rewritten at start in a mini-cloud configured before.
swift_container_updater_conf() {
  local conf=/etc/swift/container-server.conf
  if grep -q '^\[container-updater\]' "$conf"; then
    sed -i '/^\[container-updater\]/,/^\[/{/^interval *=/d;/^concurrency *=/d}' "$conf"
    sed -i 's/^\[container-updater\]$/[container-updater]\ninterval = 3600\nconcurrency = 1/' "$conf"
  else
    printf '[container-updater]\ninterval = 3600\nconcurrency = 1\n' >> "$conf"
  fi
}

swift_start() {
  local server
  swift_container_updater_conf
  swift_object_updater_conf
  for server in account container object; do
    start_bg "swift-$server" "swift-$server-server" "/etc/swift/$server-server.conf" -v
  done
  start_bg swift-container-updater swift-container-updater /etc/swift/container-server.conf -v
  start_bg swift-object-updater swift-object-updater /etc/swift/object-server.conf -v
  start_bg swift-proxy swift-proxy-server /etc/swift/proxy-server.conf -v
  for port in 6200 6201 6202 8080; do wait_until 60 "swift :$port" http_ok "http://127.0.0.1:$port/healthcheck"; done
}
