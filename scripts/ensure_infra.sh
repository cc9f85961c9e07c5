#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ answer on their usual local ports. Starts them when
# installed but stopped; installs them from Debian's packages when missing (needs root);
# elsewhere says what to start.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 60); do
    if $check; then return 0; fi
    sleep 1
  done
  echo "$what did not come up on its port within 60 s" >&2
  exit 1
}

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null && can_install; then
    echo "Installing PostgreSQL from Debian's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    # Local development trusts loopback connections, as the test machines do.
    if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba" 2>/dev/null && [ -w "$hba" ]; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  else
    echo "PostgreSQL is not running on 127.0.0.1:5432. Start one, e.g. 'docker compose up -d postgres'." >&2
    exit 1
  fi
  wait_for PostgreSQL pg_up
fi

if ! amqp_up; then
  if ! command -v rabbitmq-server >/dev/null && can_install; then
    echo "Installing RabbitMQ from Debian's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  if command -v rabbitmq-server >/dev/null; then
    rabbitmq-server -detached || true
  else
    echo "RabbitMQ is not running on 127.0.0.1:5672. Start one, e.g. 'docker compose up -d rabbitmq'." >&2
    exit 1
  fi
  wait_for RabbitMQ amqp_up
fi
echo "PostgreSQL and RabbitMQ are up."
