# Shared settings and helpers of the mini-cloud scripts (sourced, not run).
# Everything binds to 127.0.0.1; no systemd; every process we start has a pid file in $MC_RUN.
set -euo pipefail

MC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MC_DATA=${MC_DATA:-/srv/minicloud}
MC_LOG=${MC_LOG:-/var/log/minicloud}
MC_RUN=${MC_RUN:-/run/minicloud}
MC_ADMIN_PASSWORD=${MC_ADMIN_PASSWORD:-admin}
MC_SERVICE_PASSWORD=service
MC_DB_URL_BASE="mysql+pymysql://openstack:openstack@127.0.0.1"
export OS_CLOUD=
mkdir -p "$MC_DATA" "$MC_LOG" "$MC_RUN"

log() { printf '[minicloud %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The admin credentials as environment for the openstack CLI.
admin_env() {
  export OS_AUTH_URL=http://127.0.0.1:5000/v3 OS_IDENTITY_API_VERSION=3 OS_USERNAME=admin \
    OS_PASSWORD="$MC_ADMIN_PASSWORD" OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default \
    OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne
  unset OS_CLOUD
}

# is_running NAME: the process of pid file NAME is alive.
is_running() {
  local f="$MC_RUN/$1.pid"
  [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

# start_bg NAME CMD...: starts CMD in its own session, logs to $MC_LOG/NAME.out, pid in $MC_RUN/NAME.pid.
start_bg() {
  local name=$1; shift
  if is_running "$name"; then return 0; fi
  setsid nohup "$@" >>"$MC_LOG/$name.out" 2>&1 < /dev/null &
  echo $! > "$MC_RUN/$name.pid"
}

# wait_until TIMEOUT DESCRIPTION CMD...: retries CMD every 0.2 s until it succeeds.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      die "$what did not come up within ${timeout}s (logs: $MC_LOG)"
    fi
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# db_create NAME: a MariaDB database (utf8, as manila's migrations need) for user openstack.
db_create() {
  mariadb -uroot -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8 COLLATE utf8_general_ci;"
}

ALL_SERVICES="mariadb keystone swift rabbitmq glance placement cinder manila neutron nova karbor"
