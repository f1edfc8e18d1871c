#!/usr/bin/env bash
# Two vconf nodes behind nginx on one machine, sharing PostgreSQL and Redis.
#
#   DATABASE_URL=postgres://vconf@127.0.0.1/vconf REDIS_URL=redis://127.0.0.1:6379/0 \
#       deploy/two_nodes.sh [--port 8080] [--first-node-port 8001]
#
# Starts two uvicorn processes (ports N and N+1, vconf's WebSocket protocol as `make run`) and a
# non-daemon nginx (Debian's nginx or nginx-light) whose configuration lives in a temporary
# directory: round-robin upstream, the WebSocket upgrade headers on /ws/, static files straight
# from staticfiles/. Ctrl-C (or SIGTERM) stops all three and removes the directory. Needs
# DATABASE_URL and REDIS_URL: without Redis a check-in on one node never reaches a board on the
# other. The same SECRET_KEY on both nodes (set it, or the script makes one for this run).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT=8080
NODE_PORT=8001
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) PORT="$2"; shift 2 ;;
        --first-node-port) NODE_PORT="$2"; shift 2 ;;
        *) echo "usage: $0 [--port 8080] [--first-node-port 8001]" >&2; exit 2 ;;
    esac
done
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL shared by both nodes)}"
: "${REDIS_URL:?set REDIS_URL (the channel layer both nodes share)}"
NGINX="$(command -v nginx || true)"
[[ -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
[[ -n "$NGINX" ]] || { echo "nginx is missing: apt-get install -y nginx-light" >&2; exit 1; }

export DATABASE_URL REDIS_URL
export SECRET_KEY="${SECRET_KEY:-$("$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export CSRF_TRUSTED_ORIGINS="${CSRF_TRUSTED_ORIGINS:-http://127.0.0.1:$PORT,http://localhost:$PORT}"
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"

RUN="$(mktemp -d /tmp/vconf-two-nodes.XXXXXX)"
PIDS=()
cleanup() {
    # Only the processes this script started, by their ids.
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

mkdir -p "$RUN/logs" "$RUN/tmp"
cat > "$RUN/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/logs/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    client_max_body_size 10m;

    upstream vconf {
        server 127.0.0.1:$NODE_PORT;
        server 127.0.0.1:$((NODE_PORT + 1));
        keepalive 32;
    }
    map \$http_upgrade \$connection_upgrade { default upgrade; "" ""; }

    server {
        listen 127.0.0.1:$PORT;
        location /static/ { alias $ROOT/staticfiles/; expires 1y; }
        # The live board: a WebSocket kept open for the length of a meeting.
        location /ws/ {
            proxy_pass http://vconf;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 3h;
            proxy_send_timeout 3h;
        }
        location / {
            proxy_pass http://vconf;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 120s;
        }
    }
}
CONF

cd "$ROOT"
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py collectstatic --noinput -v0
for port in "$NODE_PORT" "$((NODE_PORT + 1))"; do
    .venv/bin/uvicorn vconf.asgi:application --host 127.0.0.1 --port "$port" \
        --ws vconf.websocket_protocol:WebSocketProtocol --forwarded-allow-ips 127.0.0.1 \
        --log-level warning --no-access-log &
    PIDS+=("$!")
done
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -g "daemon off;" -e "$RUN/logs/error.log" &
PIDS+=("$!")
echo "vconf on http://127.0.0.1:$PORT (nodes on $NODE_PORT and $((NODE_PORT + 1)); config in $RUN)"
wait
