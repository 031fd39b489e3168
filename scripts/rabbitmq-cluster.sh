#!/usr/bin/env bash
# A three-node RabbitMQ cluster on loopback, beside (never instead of) the default node of scripts/services.sh: for
# the gateway's cluster test and for trying the gateway against more than one broker node. Needs the rabbitmq-server
# package (scripts/services.sh installs it). Run as root or with sudo available.
#
#   scripts/rabbitmq-cluster.sh start          start the nodes that are down and join them into one cluster (idempotent)
#   scripts/rabbitmq-cluster.sh status         each node up or down, and the cluster's running nodes; exit 1 if one is down
#   scripts/rabbitmq-cluster.sh stop           stop every node (data kept: start brings the same cluster back)
#   scripts/rabbitmq-cluster.sh stop-node N    stop node N (1-3) gracefully, as an operator would
#   scripts/rabbitmq-cluster.sh kill-node N    kill -9 node N's Erlang VM, as a crash would
#   scripts/rabbitmq-cluster.sh start-node N   start node N again (it rejoins the cluster it belongs to)
#   scripts/rabbitmq-cluster.sh delete         stop every node and delete its data
#   scripts/rabbitmq-cluster.sh uri N          print node N's AMQP URI (guest, loopback)
#
#   scripts/rabbitmq-cluster.sh start-solo     start the solo node (idempotent; waits until it is up)
#   scripts/rabbitmq-cluster.sh kill-solo      kill -9 the solo node's Erlang VM, as a crash would
#   scripts/rabbitmq-cluster.sh stop-solo      stop the solo node gracefully
#   scripts/rabbitmq-cluster.sh uri-solo       print the solo node's AMQP URI
#
# The solo node, kisrt-solo@localhost on 127.0.0.1:5684, is a standalone node (never joined to the cluster) with
# its own data in $KISRT_CLUSTER_DIR/solo and its own lock: for a test that kills its broker (GatewayBrokerRestartTests)
# without taking the default node or the cluster from anyone else.
#
# Node N is kisrt-cN@localhost, AMQP on 127.0.0.1:$((5680+N)) (KISRT_CLUSTER_BASE_PORT+N), Erlang distribution on
# port 25680+N, stream replication ports 6100+50(N-1) … +49, data and logs in $KISRT_CLUSTER_DIR/cN
# (default /var/tmp/kisrt-cluster). Every node uses the rabbitmq user's Erlang cookie (the default node's, so one
# rabbitmqctl reaches them all) and its own configuration files: the default node's /etc/rabbitmq/rabbitmq.conf
# (the TLS listener on 5671) and rabbitmq-env.conf (its node name) are never read by these nodes. Stream queues
# declared with x-initial-cluster-size 3 (KisGatewayOptions.StreamReplicas, `kisrt gateway --stream-replicas 3`)
# keep a replica on each node; a confirmed record is on a majority of them.
set -euo pipefail

DIR=${KISRT_CLUSTER_DIR:-/var/tmp/kisrt-cluster}
BASE_PORT=${KISRT_CLUSTER_BASE_PORT:-5680}
NODES=(1 2 3)
READY_TIMEOUT=${KISRT_CLUSTER_READY_TIMEOUT:-180} # seconds per node; a loaded 2-core machine is slow to boot Erlang
LOCK=/tmp/kisrt-rabbitmq-cluster.lock
SOLO=4 # the solo node's number: its ports follow the cluster's
SOLO_LOCK=/tmp/kisrt-rabbitmq-solo.lock # its own, so that starting it never waits for the cluster's start
RABBIT_BIN=/usr/lib/rabbitmq/bin

say() { echo "rabbitmq-cluster: $*"; }
fail() { echo "rabbitmq-cluster: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "run as root (or install sudo): the nodes run as the rabbitmq user"
  exec sudo -E "$0" "$@"
fi
[ -x "$RABBIT_BIN/rabbitmq-server" ] || fail "rabbitmq-server is not installed: run scripts/services.sh first"

node_name() { if [ "$1" = "$SOLO" ]; then echo "kisrt-solo@localhost"; else echo "kisrt-c$1@localhost"; fi; }
amqp_port() { echo $((BASE_PORT + $1)); }
dist_port() { echo $((20000 + BASE_PORT + $1)); }
node_dir() { if [ "$1" = "$SOLO" ]; then echo "$DIR/solo"; else echo "$DIR/c$1"; fi; }
node_role() { if [ "$1" = "$SOLO" ]; then echo "the standalone solo node"; else echo "node $1 of the loopback test cluster"; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
check_node() { case "${1:-}" in 1|2|3) ;; *) fail "node must be 1, 2 or 3 (got '${1:-}')" ;; esac; }

lock() { # the cluster's lock on descriptor 9
  exec 9>"$LOCK"
  flock -w 600 9 || fail "another scripts/rabbitmq-cluster.sh is still running after 600 s (lock $LOCK)"
}

solo_lock() { # the solo node's lock on descriptor 8
  exec 8>"$SOLO_LOCK"
  flock -w 600 8 || fail "another scripts/rabbitmq-cluster.sh is still working on the solo node after 600 s (lock $SOLO_LOCK)"
}

# rabbitmq-server / rabbitmqctl for node N, as the rabbitmq user (its home holds the cookie), with this node's files only.
as_node() {
  local n=$1
  shift
  local dir
  dir=$(node_dir "$n")
  runuser -u rabbitmq -- env -i PATH="$PATH" HOME=/var/lib/rabbitmq LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT="$(dist_port "$n")" \
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$@"
}

ctl() { local n=$1; shift; as_node "$n" "$RABBIT_BIN/rabbitmqctl" -q -n "$(node_name "$n")" "$@"; }

write_config() {
  local n=$1 dir
  dir=$(node_dir "$n")
  mkdir -p "$dir/mnesia" "$dir/log"
  printf '# Written by kisrt scripts/rabbitmq-cluster.sh: %s.\n' "$(node_role "$n")" >"$dir/rabbitmq-env.conf"
  cat >"$dir/rabbitmq.conf" <<CONF
# Written by kisrt scripts/rabbitmq-cluster.sh: $(node_role "$n") (AMQP only, no TLS listener).
listeners.tcp.1 = 127.0.0.1:$(amqp_port "$n")
# A node that lost its peers keeps serving what still has a majority (streams, quorum queues decide by themselves).
cluster_partition_handling = ignore
CONF
  # Stream replicas listen on a port range of their own per node (all share one host and one interface).
  local first=$((6100 + 50 * (n - 1)))
  printf '[{osiris, [{port_range, {%d, %d}}]}].\n' "$first" $((first + 49)) >"$dir/advanced.config"
  echo '[].' >"$dir/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$dir"
}

wait_for() { # description, timeout seconds, command...
  local what=$1 timeout=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - start)) -lt "$timeout" ] || return 1
    sleep 0.5
  done
  say "$what after $((SECONDS - start)) s"
}

# The Erlang VM of node N, found by the node name in its environment (its pid file is empty while a second start of
# the same node fails, and stale after a crash).
node_pid() {
  local n=$1 pid
  for pid in $(pgrep -f 'beam.smp' || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$(node_name "$n")"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

STARTED=() # the nodes this run started (the others were up already: no need to wait for them)
start_node() { # starts node N if it is down; does not wait
  local n=$1
  if port_open "$(amqp_port "$n")"; then return 0; fi
  STARTED+=("$n")
  # A VM without a listener is booting (e.g. waiting for its peers) or still shutting down: await_node tells them apart.
  if node_pid "$n" >/dev/null; then say "$(node_name "$n") is running but not listening yet"; return 0; fi
  launch_node "$n"
}

log_tail() { # the end of node N's log on stderr: CI keeps the output, not the machine
  echo "rabbitmq-cluster: the last lines of $(node_name "$1")'s log:" >&2
  tail -n 25 "$(node_dir "$1")/log/$(node_name "$1").log" >&2 2>/dev/null || true
}

launch_node() { # starts node N's VM; does not wait
  local n=$1
  write_config "$n"
  ERL_EPMD_ADDRESS=127.0.0.1 runuser -u rabbitmq -- epmd -daemon 8>&- 9>&- 2>/dev/null || true
  say "starting $(node_name "$n") on 127.0.0.1:$(amqp_port "$n")"
  as_node "$n" "$RABBIT_BIN/rabbitmq-server" -detached 8>&- 9>&- >/dev/null 2>&1 \
    || fail "rabbitmq-server -detached failed for node $n: see $(node_dir "$n")/log"
}

await_node() {
  local n=$1 start=$SECONDS launched=$SECONDS
  [[ " ${STARTED[*]} " == *" $n "* ]] || return 0
  until port_open "$(amqp_port "$n")"; do
    [ $((SECONDS - start)) -lt "$READY_TIMEOUT" ] || { log_tail "$n"; fail "$(node_name "$n") not listening after $READY_TIMEOUT s: see $(node_dir "$n")/log"; }
    # A VM that was not booting but still shutting down (found by start_node) exits without ever listening: start it
    # (not again within 20 s of a launch: -detached returns before the new VM shows up).
    if [ $((SECONDS - launched)) -ge 20 ] && ! node_pid "$n" >/dev/null; then launch_node "$n"; launched=$SECONDS; fi
    sleep 0.5
  done
  say "$(node_name "$n") listening after $((SECONDS - start)) s"
  ctl "$n" await_startup --timeout "$READY_TIMEOUT" >/dev/null || { log_tail "$n"; fail "$(node_name "$n") did not finish starting: see $(node_dir "$n")/log"; }
}

running_nodes() { # the cluster's running nodes as node 1 (or the given node) sees them, one a line
  ctl "${1:-1}" eval 'lists:sort(rabbit_nodes:all_running()).' 2>/dev/null | tr -d "[]'\n " | tr ',' '\n'
}

join() { # node N into node 1's cluster, unless $MEMBERS (node 1's view) has it already
  local n=$1
  [[ "$MEMBERS" == *"$(node_name "$n")"* ]] && return 0
  say "joining $(node_name "$n") to $(node_name 1)"
  # The CLI logs the node's restart on stderr (harmless "node_not_running" errors while it is stopped).
  ctl "$n" stop_app >/dev/null 2>&1
  ctl "$n" reset >/dev/null 2>&1
  ctl "$n" join_cluster "$(node_name 1)" >/dev/null 2>&1 || fail "$(node_name "$n") could not join $(node_name 1)"
  ctl "$n" start_app >/dev/null 2>&1
}

stop_node() {
  local n=$1 pid
  port_open "$(amqp_port "$n")" || { say "$(node_name "$n") is not running"; return 0; }
  pid=$(node_pid "$n" || true)
  ctl "$n" stop >/dev/null 2>&1 || true
  wait_for "$(node_name "$n") stopped" 60 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$(amqp_port "$n")) 2>/dev/null" \
    || fail "$(node_name "$n") still listening after 60 s"
  # The listener closes early in a shutdown; a start before the VM has exited would find it and wait for nothing.
  [ -n "$pid" ] || return 0
  if ! wait_for "$(node_name "$n")'s VM exited" 60 bash -c "! kill -0 $pid 2>/dev/null"; then
    say "$(node_name "$n")'s VM (pid $pid) still shutting down after 60 s: killed"
    kill -9 "$pid" 2>/dev/null || true
  fi
}

# The process listening on TCP port $1 (ss, as root), for a VM its environment did not name.
port_pid() {
  local pid
  pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [ -n "$pid" ] && echo "$pid"
}

kill_node() {
  local n=$1 pid port
  port=$(amqp_port "$n")
  # A test that kills the node asserts its port closed: a VM not found by name but listening is killed too (a loaded CI
  # run once saw the solo node's port open after kill-solo, with no trace of which case it was).
  pid=$(node_pid "$n") || pid=$(port_pid "$port") || { say "$(node_name "$n") is not running"; return 0; }
  kill -9 "$pid"
  wait_for "$(node_name "$n") killed" 30 bash -c "! kill -0 $pid 2>/dev/null" || fail "$(node_name "$n") (pid $pid) survived kill -9"
  wait_for "port $port closed" 30 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" \
    || fail "$(node_name "$n"): port $port still open after pid $pid was killed: $(ss -Hltnp "sport = :$port" | tr '\n' ' ')"
}

case "${1:-start}" in
  start)
    lock
    started=$SECONDS
    # Every node at once, then wait for each: nodes of a cluster that went down together (a crash, a test that killed
    # every beam.smp) each wait for their peers' tables before they listen, so starting them one by one never ends.
    # Fresh nodes 2 and 3 boot on their own and join node 1 below.
    for n in "${NODES[@]}"; do start_node "$n"; done
    for n in "${NODES[@]}"; do await_node "$n"; done
    MEMBERS=$(ctl 1 eval 'rabbit_nodes:all().' 2>/dev/null || true)
    for n in 2 3; do join "$n"; done
    wait_for "cluster of 3 running" 60 bash -c "[ \"\$('$0' running-count)\" = 3 ]" || fail "the cluster does not show 3 running nodes: $(running_nodes | paste -sd ' ')"
    say "cluster of $(running_nodes | paste -sd ' ') ready in $((SECONDS - started)) s (AMQP 127.0.0.1:$(amqp_port 1),$(amqp_port 2),$(amqp_port 3))"
    ;;
  running-count) # internal: how many nodes node 1 sees running
    running_nodes | grep -c . || true
    ;;
  status)
    down=0
    for n in "${NODES[@]}"; do
      if port_open "$(amqp_port "$n")"; then say "$(node_name "$n") up on 127.0.0.1:$(amqp_port "$n")"; else say "$(node_name "$n") down"; down=1; fi
    done
    for n in "${NODES[@]}"; do
      if port_open "$(amqp_port "$n")"; then say "running: $(running_nodes "$n" | tr '\n' ' ')"; break; fi
    done
    exit $down
    ;;
  stop)
    lock
    solo_lock
    for n in "$SOLO" 3 2 1; do stop_node "$n"; done
    ;;
  stop-node) check_node "${2:-}"; lock; stop_node "$2" ;;
  kill-node) check_node "${2:-}"; lock; kill_node "$2" ;;
  start-node)
    check_node "${2:-}"
    lock
    start_node "$2"
    await_node "$2"
    ;;
  delete)
    lock
    solo_lock
    for n in "$SOLO" 3 2 1; do stop_node "$n"; done
    rm -rf "$DIR"
    say "deleted $DIR"
    ;;
  uri) check_node "${2:-}"; echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$2")/" ;;
  start-solo)
    solo_lock
    start_node "$SOLO"
    await_node "$SOLO"
    say "$(node_name "$SOLO") ready on 127.0.0.1:$(amqp_port "$SOLO")"
    ;;
  kill-solo) solo_lock; kill_node "$SOLO" ;;
  stop-solo) solo_lock; stop_node "$SOLO" ;;
  uri-solo) echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$SOLO")/" ;;
  *)
    fail "usage: $0 start|status|stop|stop-node N|kill-node N|start-node N|delete|uri N|start-solo|kill-solo|stop-solo|uri-solo"
    ;;
esac
