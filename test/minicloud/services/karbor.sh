# Hoard's API in the catalog where Karbor's stood (docs/api.md, "Registering in the catalog"):
# service user karbor (admin and service roles in project service), service type data-protect,
# name karbor, endpoint http://127.0.0.1:8799/v1/%(project_id)s. Nothing runs here: the tests
# start hoard serve themselves on that port. Also a second unprivileged project and user (alt),
# so that tests can check one project never sees another's data.
karbor_packages="python3-karborclient"

karbor_configure() {
  service_user karbor
  endpoint data-protect karbor 'http://127.0.0.1:8799/v1/%(project_id)s'
  admin_env
  openstack project create --or-show --domain default alt -f value -c id >/dev/null
  openstack user create --or-show --domain default --password alt alt -f value -c id >/dev/null
  openstack role add --project alt --user alt member
}

karbor_start() { :; }
