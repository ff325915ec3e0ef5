#!/usr/bin/env bash
# Makes sure the gateway's two real services are up for the configured URLs: Redis (BullMQ) and PostgreSQL.
# On a fresh Debian machine it installs them from Debian's packages (when root), starts them when they are
# down, and leaves remote servers alone (it only manages services on this machine).
set -euo pipefail

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/aitu_gateway}"

say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: %s\n' "$*" >&2; exit 3; }

is_local() { case "$1" in 127.*|localhost|::1|"") return 0 ;; *) return 1 ;; esac; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then die "$* is missing; install it (sudo apt-get install $*) or run this script as root"; fi
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  say "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# redis://[user:pass@]host:port[/db]
redis_rest="${REDIS_URL#*://}"; redis_rest="${redis_rest##*@}"; redis_rest="${redis_rest%%/*}"
redis_host="${redis_rest%%:*}"; redis_port="${redis_rest##*:}"; [ "$redis_port" = "$redis_rest" ] && redis_port=6379

redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null | grep -q PONG
  else
    (exec 3<>"/dev/tcp/$redis_host/$redis_port") 2>/dev/null
  fi
}

ensure_redis() {
  if redis_up; then return 0; fi
  is_local "$redis_host" || die "Redis at $redis_host:$redis_port is unreachable and not on this machine; start it there or set REDIS_URL"
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  say "starting Redis on $redis_host:$redis_port"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --dir "$( [ -w /var/lib/redis ] && echo /var/lib/redis || echo /tmp )" \
    --logfile "$( [ -w /var/log/redis ] && echo /var/log/redis/aitu-gateway.log || echo /tmp/aitu-gateway-redis.log )" >&2
  for _ in $(seq 1 50); do redis_up && return 0; sleep 0.2; done
  die "Redis did not come up on $redis_host:$redis_port"
}

# postgresql://[user[:pass]@]host[:port]/db
pg_rest="${DATABASE_URL#*://}"; pg_user=postgres
case "$pg_rest" in *@*) pg_user="${pg_rest%%@*}"; pg_user="${pg_user%%:*}"; pg_rest="${pg_rest#*@}" ;; esac
pg_hostport="${pg_rest%%/*}"; pg_hostport="${pg_hostport%%\?*}"
pg_host="${pg_hostport%%:*}"; pg_port="${pg_hostport##*:}"; [ "$pg_port" = "$pg_hostport" ] && pg_port=5432
[ -n "$pg_host" ] || pg_host=127.0.0.1

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$pg_host" -p "$pg_port"
  else
    (exec 3<>"/dev/tcp/$pg_host/$pg_port") 2>/dev/null
  fi
}

ensure_postgres() {
  if pg_up; then return 0; fi
  is_local "$pg_host" || die "PostgreSQL at $pg_host:$pg_port is unreachable and not on this machine; start it there or set DATABASE_URL"
  installed_now=0
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql
    installed_now=1
  fi
  command -v pg_lsclusters >/dev/null 2>&1 || die "pg_lsclusters not found; is postgresql-common installed?"
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    say "creating PostgreSQL cluster $version/main"
    pg_createcluster "$version" main >&2
    installed_now=1
  fi
  read -r version cluster _ < <(pg_lsclusters -h | head -1)
  if [ "$installed_now" = 1 ]; then
    # a fresh development cluster: let local TCP connections in as the README's URL expects (trust, loopback only)
    hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
    if [ -w "$hba" ] && ! grep -q 'aitu-gateway' "$hba"; then
      sed -i '1i # aitu-gateway: trust on loopback for local development\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
  fi
  say "starting PostgreSQL $version/$cluster"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >&2 || true
  for _ in $(seq 1 75); do pg_up && return 0; sleep 0.2; done
  die "PostgreSQL did not come up on $pg_host:$pg_port"
}

ensure_redis
ensure_postgres
say "Redis $redis_host:$redis_port and PostgreSQL $pg_host:$pg_port are up"
