#!/usr/bin/env bash
# Real servers for the integration tests, `kisrt record --postgres` and the gateway: installs (Debian 12 apt-get)
# and starts PostgreSQL 15 and RabbitMQ 3.10 on 127.0.0.1 unless they are already running. Idempotent; about a
# second when both are up. Needs no systemd (containers): the servers are started directly.
#
#   scripts/services.sh [start]   install if missing, start if down, wait until ready (default)
#   scripts/services.sh status    say what runs; exit 1 if either is down
#   scripts/services.sh stop      stop both (e.g. to test a restart)
#
# What the tests use (override with the variables):
#   KISRT_TEST_POSTGRES  Host=127.0.0.1;Port=5432;Username=kisrt;Password=kisrt;Database=kisrt
#   KISRT_TEST_AMQP      amqp://guest:guest@127.0.0.1:5672/   (RabbitMQ's guest user works from loopback only)
#   TLS (amqps)          127.0.0.1:5671, certificate for localhost and 127.0.0.1 signed by a self-signed CA made here:
#                        /etc/rabbitmq/kisrt-tls/ca.pem (docs/gateway-security.md). A running broker without the TLS
#                        listener is restarted once to get it (~10 s).
#   SERVICES             which servers to install and start: "postgres rabbitmq" (default) or a subset;
#                        (scripts/test.sh starts both: the gateway tests use RabbitMQ)
# Run as root or with sudo available. scripts/test.sh (the README's test command, run by CI) calls this first.
set -euo pipefail

PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
AMQP_PORT=5672
AMQPS_PORT=5671
TLS_DIR=/etc/rabbitmq/kisrt-tls
READY_TIMEOUT=${SERVICES_READY_TIMEOUT:-90} # seconds per server
LOCK=/tmp/kisrt-services.lock

say() { echo "services: $*"; }
fail() { echo "services: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "run as root (or install sudo): packages are installed and servers started system-wide"
  exec sudo -E "$0" "$@"
fi

# One start/stop at a time on this machine (several worktrees may run CI together). The servers are started with
# this descriptor closed (9>&-): a daemon inheriting it would hold the lock for as long as it runs.
lock() {
  exec 9>"$LOCK"
  flock -w 300 9 || fail "another scripts/services.sh is still running after 300 s (lock $LOCK)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # description, timeout seconds, command...
  local what=$1 timeout=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - start)) -lt "$timeout" ] || return 1
    sleep 0.5
  done
  say "$what ready after $((SECONDS - start)) s"
}

SERVICES=${SERVICES:-postgres rabbitmq}
wants() { [[ " $SERVICES " == *" $1 "* ]]; }

install_missing() {
  local missing=()
  if wants postgres; then
    dpkg -s "postgresql-$PG_VERSION" >/dev/null 2>&1 || missing+=("postgresql-$PG_VERSION" postgresql-client-$PG_VERSION)
  fi
  if wants rabbitmq; then
    dpkg -s rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
    # An independent AMQP client for the tests: a gateway consumer in Python (scripts/gateway_consumer.py).
    dpkg -s python3-pika >/dev/null 2>&1 || missing+=(python3-pika)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get (Debian 12 expected)"
  say "installing ${missing[*]} with apt-get"
  # No service is started by the packages: there may be no init system, and this script starts them itself.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local status=0
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=$?
  [ -n "$created_policy" ] && rm -f "$policy"
  [ $status -eq 0 ] || fail "apt-get install ${missing[*]} failed ($status)"
}

start_postgres() {
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $PG_CLUSTER"; then
    say "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
    say "starting PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
    # Loopback only; Debian's default is already 'localhost', said explicitly so a changed default cannot widen it.
    pg_conftool "$PG_VERSION" "$PG_CLUSTER" set listen_addresses localhost
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start 9>&- || fail "PostgreSQL did not start: see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
    wait_for "PostgreSQL" "$READY_TIMEOUT" pg_isready -h 127.0.0.1 -p "$PG_PORT" || fail "PostgreSQL not ready after $READY_TIMEOUT s"
  fi
  # The role and database the tests and the README use (password auth over TCP, Debian's default pg_hba).
  runuser -u postgres -- psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kisrt') THEN
    CREATE ROLE kisrt LOGIN CREATEDB PASSWORD 'kisrt';
  END IF;
END $$;
SELECT 'CREATE DATABASE kisrt OWNER kisrt' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kisrt')\gexec
SQL
  say "PostgreSQL $PG_VERSION running on 127.0.0.1:$PG_PORT (database kisrt, user kisrt)"
}

configure_rabbitmq() {
  # Loopback only (AMQP, Erlang distribution, epmd) and a node name that does not depend on the container's hostname.
  local env=/etc/rabbitmq/rabbitmq-env.conf wanted
  wanted=$(cat <<'ENV'
# Written by kisrt scripts/services.sh: loopback only, node name independent of the hostname.
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
export ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
)
  mkdir -p /etc/rabbitmq
  if [ "$(cat "$env" 2>/dev/null)" != "$wanted" ]; then
    printf '%s\n' "$wanted" >"$env"
  fi
  # Open files: the Debian wrapper's `su` applies PAM's default soft limit (1,024: 832 sockets), too few for a fleet of
  # gateways (docs/gateway.md, Broker connections). The broker gets this shell's hard limit (never above it: PAM would
  # refuse the session); a running broker keeps its own until it is restarted.
  local limits=/etc/security/limits.d/kisrt-rabbitmq.conf files
  files=$(ulimit -Hn)
  [ "$files" = unlimited ] && files=65536
  [ "$files" -gt 65536 ] && files=65536
  if [ -d /etc/security/limits.d ] && [ "$(cat "$limits" 2>/dev/null)" != "rabbitmq - nofile $files" ]; then
    printf 'rabbitmq - nofile %s\n' "$files" >"$limits"
  fi
}

make_tls() {
  # A test CA and a server certificate for loopback, made once (ten years): never a secret of anything real.
  [ -s "$TLS_DIR/ca.pem" ] && [ -s "$TLS_DIR/server.pem" ] && [ -s "$TLS_DIR/server.key" ] && return 0
  command -v openssl >/dev/null 2>&1 || fail "openssl is needed for the TLS listener (apt-get install openssl)"
  say "making a test CA and a loopback server certificate in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  local work
  work=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kisrt test CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$work/ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 3650 -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null
  install -m 644 "$work/ca.pem" "$work/server.pem" "$TLS_DIR/"
  install -m 640 -g rabbitmq "$work/server.key" "$TLS_DIR/"
  rm -rf "$work" # the CA key is not kept: nothing else is ever signed with it
}

configure_tls() { # prints "changed" when rabbitmq.conf was (re)written
  local conf=/etc/rabbitmq/rabbitmq.conf wanted
  wanted=$(cat <<CONF
# Written by kisrt scripts/services.sh: a TLS listener on loopback with the test CA's certificate, a message size bound.
listeners.ssl.1 = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $TLS_DIR/ca.pem
ssl_options.certfile = $TLS_DIR/server.pem
ssl_options.keyfile = $TLS_DIR/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
# No message above 16 MiB (RabbitMQ's default is 128 MiB): a gateway request is at most 4 KiB, a record batch a few KiB.
max_message_size = 16777216
CONF
)
  if [ "$(cat "$conf" 2>/dev/null)" != "$wanted" ]; then
    printf '%s\n' "$wanted" >"$conf"
    echo changed
  fi
}

start_rabbitmq() {
  configure_rabbitmq
  make_tls
  configure_tls >/dev/null
  if port_open "$AMQP_PORT" && ! port_open "$AMQPS_PORT"; then
    # Started before the TLS listener existed: once, stopped and started again with it.
    say "restarting RabbitMQ for its TLS listener on 127.0.0.1:$AMQPS_PORT"
    rabbitmqctl -q stop >/dev/null || fail "rabbitmqctl stop failed"
    wait_for "RabbitMQ stop" "$READY_TIMEOUT" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$AMQP_PORT) 2>/dev/null" || fail "RabbitMQ did not stop"
  fi
  if ! port_open "$AMQP_PORT"; then
    say "starting RabbitMQ on 127.0.0.1:$AMQP_PORT"
    # epmd first, bound to loopback (rabbitmq-server would start it on every interface otherwise).
    ERL_EPMD_ADDRESS=127.0.0.1 runuser -u rabbitmq -- epmd -daemon 9>&- 2>/dev/null || true
    # The Debian wrapper drops to the rabbitmq user. Streams over AMQP 0-9-1 (x-queue-type: stream) are built in.
    rabbitmq-server -detached 9>&- >/dev/null 2>&1 || fail "rabbitmq-server -detached failed: see /var/log/rabbitmq/"
    wait_for "RabbitMQ" "$READY_TIMEOUT" port_open "$AMQP_PORT" || fail "RabbitMQ not listening after $READY_TIMEOUT s: see /var/log/rabbitmq/"
    rabbitmqctl -q await_startup --timeout "$READY_TIMEOUT" >/dev/null || fail "RabbitMQ did not finish starting: see /var/log/rabbitmq/"
  fi
  # The broker's events on amq.rabbitmq.event (bundled plugin, enabled online): the gateway ends a deleted consumer
  # user's claims at once on user.deleted (docs/gateway-security.md).
  grep -qs rabbitmq_event_exchange /etc/rabbitmq/enabled_plugins ||
    rabbitmq-plugins -q enable rabbitmq_event_exchange >/dev/null || fail "rabbitmq-plugins enable rabbitmq_event_exchange failed"
  wait_for "RabbitMQ TLS" 10 port_open "$AMQPS_PORT" || say "no TLS listener on 127.0.0.1:$AMQPS_PORT: see /var/log/rabbitmq/ (the TLS test fails)"
  say "RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null | cut -d- -f1) running on 127.0.0.1:$AMQP_PORT (user guest from loopback)"
}

case "${1:-start}" in
  start)
    lock
    started=$SECONDS
    install_missing
    if wants postgres; then start_postgres; fi
    if wants rabbitmq; then start_rabbitmq; fi
    say "ready in $((SECONDS - started)) s"
    ;;
  status)
    down=0
    if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then say "PostgreSQL up on 127.0.0.1:$PG_PORT"; else say "PostgreSQL down"; down=1; fi
    if port_open "$AMQP_PORT"; then say "RabbitMQ up on 127.0.0.1:$AMQP_PORT"; else say "RabbitMQ down"; down=1; fi
    exit $down
    ;;
  stop)
    lock
    if dpkg -s rabbitmq-server >/dev/null 2>&1 && port_open "$AMQP_PORT"; then rabbitmqctl -q stop >/dev/null && say "RabbitMQ stopped"; fi
    if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop && say "PostgreSQL stopped"; fi
    ;;
  *)
    fail "usage: $0 [start|status|stop]"
    ;;
esac
