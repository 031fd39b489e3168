#!/usr/bin/env bash
# Least-privilege RabbitMQ users for a kisrt gateway and its consumers (docs/gateway-security.md explains each
# permission). Idempotent: an existing user gets the password and permissions again. Run as root (rabbitmqctl).
#
#   scripts/rabbitmq-users.sh gateway  USER [--vhost V] [--namespace NS] [LIMITS]   the gateway's user: alone writes records
#   scripts/rabbitmq-users.sh consumer USER [--vhost V] [--namespace NS] [LIMITS]   reads the streams, sends requests
#   scripts/rabbitmq-users.sh delete   USER                                         removes the user
#
# LIMITS: --max-connections N --max-channels N, the broker's own per-user limits (set_user_limits), so one user cannot
# exhaust the broker's connections and memory: a consumer 50 and 200 (a KisGatewayClient uses one connection and a few
# channels), the gateway 32 and 512 (about ten connections per gateway process, a channel per stream declaration).
# RabbitMQ 3.10 limits queues per vhost only: --vhost-max-queues N sets that (set_vhost_limits) on the user's vhost.
#
# The password is read from KISRT_RABBITMQ_PASSWORD, else from the first line of standard input; it is handed to
# rabbitmqctl on its standard input, never on a command line (ps would show it). Defaults: vhost /, namespace kis.
set -euo pipefail

fail() { echo "rabbitmq-users: $*" >&2; exit 1; }
usage() { fail "usage: $0 gateway|consumer USER [--vhost V] [--namespace NS] [--max-connections N] [--max-channels N] [--vhost-max-queues N] | delete USER"; }

[ $# -ge 2 ] || usage
role=$1 user=$2
shift 2
vhost=/ ns=kis max_connections= max_channels= vhost_max_queues=
while [ $# -gt 0 ]; do
  case $1 in
    --vhost) [ $# -ge 2 ] || usage; vhost=$2; shift 2 ;;
    --namespace) [ $# -ge 2 ] || usage; ns=$2; shift 2 ;;
    --max-connections) [ $# -ge 2 ] || usage; max_connections=$2; shift 2 ;;
    --max-channels) [ $# -ge 2 ] || usage; max_channels=$2; shift 2 ;;
    --vhost-max-queues) [ $# -ge 2 ] || usage; vhost_max_queues=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$user" ] || usage
ctl() { rabbitmqctl -q "$@"; }

if [ "$role" = delete ]; then
  ctl delete_user "$user" >/dev/null 2>&1 || true # absent is fine
  echo "rabbitmq-users: $user deleted"
  exit 0
fi
[ "$role" = gateway ] || [ "$role" = consumer ] || usage
[[ "$ns" =~ ^[A-Za-z0-9._-]+$ ]] || fail "namespace '$ns': letters, digits, '.', '_', '-' only"
if [ "$role" = gateway ]; then max_connections=${max_connections:-32} max_channels=${max_channels:-512}
else max_connections=${max_connections:-50} max_channels=${max_channels:-200}; fi
[[ "$max_connections" =~ ^[0-9]+$ && "$max_channels" =~ ^[0-9]+$ && "$vhost_max_queues" =~ ^[0-9]*$ ]] || fail "the limits take a number"

password=${KISRT_RABBITMQ_PASSWORD-}
if [ -z "$password" ]; then IFS= read -r password || true; fi
[ -n "$password" ] || fail "no password (KISRT_RABBITMQ_PASSWORD or a line on standard input)"

# The namespace as a regex (its dots literal). The gateway's names: {ns}.records (topic exchange), {ns}.requests
# (queue), {ns}.requests-exchange (direct exchange to it), {ns}.{TR} (one stream per TR; TR ids are A-Z and 0-9),
# {ns}.gateway-active|standbys|runs (the standby election and the runs' checkpoints: the gateway's user alone), and a
# fleet's per-shard copies of those and of requests (.shard-N) and its presence queues {ns}.gateway-fleet[.plan-HASH].
n=${ns//./\\.}
streams="$n\\.[A-Z0-9]+"
# Each run's own exchange, {ns}.records.run-{RUN} (RUN: yyyyMMddTHHmmss-8 hex), bound to {ns}.records: the gateway
# declares, binds (read on it, write on {ns}.records), publishes to and deletes it (a run ends the previous run's term so).
runs="records\\.run-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}"
# The user's own reply queues, {ns}.reply.{user}.{suffix} (the suffix without a dot): the gateway answers only into a
# queue so named for the request's broker-checked user-id, and only this user may declare such a name.
u=$(printf '%s' "$user" | sed 's/[][\\.^$*+?(){}|]/\\&/g')   # the user name as a literal in the regex
replies="$n\\.reply\\.$u\\.[A-Za-z0-9_-]+"
case $role in
  gateway)
    # gateway-active (the election's exclusive queue), gateway-standbys (standbys consume it), gateway-runs (checkpoints);
    # a fleet (kisrt gateway --fleet): the same per shard (.shard-N, and requests.shard-N), and its presence queues
    # gateway-fleet and gateway-fleet.plan-HASH (the live processes, and those on this process's plan), the stream
    # gateway-fleet.status (each process's status: kisrt gateway status --fleet reads it)
    # and stream-declare (a fleet's shards declare streams in turn: RabbitMQ 3.10's stream-start race)
    # and gateway-events.ID, each process's exclusive queue bound to amq.rabbitmq.event for user.deleted (the
    # rabbitmq_event_exchange plugin: a deleted consumer user's claims end at once, not after the lease and the linger)
    control="gateway-(active|standbys|runs|events\\.[0-9a-f]+)(\\.shard-[0-9]+)?|requests\\.shard-[0-9]+|gateway-fleet(\\.plan-[0-9a-f]+|\\.status)?|stream-declare"
    configure="^($n\\.(records|$runs|requests|requests-exchange|$control)|$streams|$replies)\$"   # its reply queues: kisrt gateway status
    # publish records, bind queues, reply and checkpoint via the default exchange; its own requests: kisrt gateway status [--fleet]
    write="^($n\\.(records|$runs|requests|requests-exchange|$control)|$streams|amq\\.default)\$"
    # bind from the exchanges, consume requests, read checkpoints, and read the streams: `kisrt gateway --postgres`
    # runs the history writer under this user (it stores every stream into PostgreSQL).
    # and bind its events queue from amq.rabbitmq.event (the broker's events: read on it shows user and queue names, no secrets)
    read="^($n\\.(records|$runs|requests|requests-exchange|$control)|$streams|$replies|amq\\.rabbitmq\\.event)\$"
    ;;
  consumer)
    configure="^$replies\$"                                          # its own reply queues
    write="^$n\\.requests-exchange\$"                               # requests only: no default exchange, no records
    read="^($streams|$replies)\$"                                    # the streams and its reply queues, not the requests
    ;;
esac

if [ "$vhost" != / ] && ! ctl list_vhosts name 2>/dev/null | grep -qxF -- "$vhost"; then ctl add_vhost "$vhost" >/dev/null; fi # / always exists
if ! printf '%s\n' "$password" | ctl add_user "$user" >/dev/null 2>&1; then
  printf '%s\n' "$password" | ctl change_password "$user" >/dev/null || fail "could not create or update user $user"
fi
ctl set_permissions -p "$vhost" "$user" "$configure" "$write" "$read" >/dev/null
# The broker's own per-user limits: across all vhosts, enforced at connection.open and queue.declare.
ctl set_user_limits "$user" "{\"max-connections\": $max_connections, \"max-channels\": $max_channels}" >/dev/null
if [ -n "$vhost_max_queues" ]; then ctl set_vhost_limits -p "$vhost" "{\"max-queues\": $vhost_max_queues}" >/dev/null; fi
echo "rabbitmq-users: $user is a $role of namespace $ns on vhost $vhost (configure '$configure', write '$write', read '$read'," \
  "max-connections $max_connections, max-channels $max_channels${vhost_max_queues:+, vhost max-queues $vhost_max_queues})"
