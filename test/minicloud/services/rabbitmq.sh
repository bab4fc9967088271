# RabbitMQ on 127.0.0.1:5672 (Cinder, Manila, Nova, Neutron need a message bus; oslo's fake:// is in-process only).
rabbitmq_packages="rabbitmq-server"

rabbitmq_configure() {
  cat > /etc/rabbitmq/rabbitmq-env.conf <<'CONF'
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=5672
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  cat > /etc/rabbitmq/rabbitmq.conf <<'CONF'
listeners.tcp.default = 127.0.0.1:5672
vm_memory_high_watermark.absolute = 512MiB
disk_free_limit.absolute = 50MB
CONF
}

rabbitmq_start() {
  local as_rabbit=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq ERL_EPMD_ADDRESS=127.0.0.1)
  # Our own epmd in the foreground: otherwise rabbit spawns a detached one that no pid file holds.
  start_bg epmd "${as_rabbit[@]}" /usr/bin/epmd
  start_bg rabbitmq "${as_rabbit[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
  wait_until 90 rabbitmq bash -c '</dev/tcp/127.0.0.1/5672'
}
