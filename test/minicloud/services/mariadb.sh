# MariaDB: one server for every service's database.
mariadb_packages="mariadb-server python3-pymysql"

mariadb_configure() {
  cat > /etc/mysql/mariadb.conf.d/99-minicloud.cnf <<'CNF'
[mysqld]
bind-address = 127.0.0.1
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
innodb_flush_log_at_trx_commit = 2
performance_schema = OFF
character-set-server = utf8
collation-server = utf8_general_ci
CNF
  mariadb_start
  mariadb -uroot -e "CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY 'openstack'; GRANT ALL ON *.* TO 'openstack'@'127.0.0.1'; FLUSH PRIVILEGES;"
}

mariadb_start() {
  mkdir -p /run/mysqld && chown mysql: /run/mysqld
  start_bg mariadb /usr/sbin/mariadbd --user=mysql --pid-file=/run/mysqld/mysqld.pid
  wait_until 60 mariadb mariadb-admin ping
}
