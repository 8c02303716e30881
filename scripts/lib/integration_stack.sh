# The integration stack as data: every process scripts/integration starts, with its command, its
# environment, what it listens on, how its readiness is checked and what it waits for. scripts/integration
# starts exactly this plan, and `scripts/integration --plan` prints it, which is what
# tests/stack/compose_matches_stack.py checks docker/docker-compose.integration.yml against: the compose
# file and this script cannot drift apart. Source it, then `stack_plan DIR` with the build directory in
# BUILD_DIR; it needs no service running (it only picks free ports and paths under DIR).
#
# A process is declared by `stack_process NAME KIND READY`:
#   KIND   service (PostgreSQL, Redis: scripts/lib/services.sh), mock, smtp, server, runner
#   READY  healthy (a health check answers) or started (it said it runs)
# then `stack_command NAME ARG...`, `stack_env NAME KEY VALUE`, `stack_listen NAME ADDRESS`,
# `stack_health NAME URL-or-check`, `stack_after NAME OTHER CONDITION` (CONDITION: service_healthy or
# service_started, compose's depends_on words).

# The gateway kinds with a mock each (the contract's *_MOCK_URL), the main app's roles, the provider stacks.
STACK_MOCK_KINDS=(payment shipping email sms inventory)
STACK_APP_ROLES=(api worker beat)
STACK_PROVIDER_STACKS=(a b c)

STACK_NAMES=()
declare -A STACK_KIND STACK_READY STACK_COMMAND STACK_ENV STACK_LISTEN STACK_HEALTH STACK_AFTER

stack_process() {
  STACK_NAMES+=("$1")
  STACK_KIND[$1]=$2 STACK_READY[$1]=$3 STACK_COMMAND[$1]="" STACK_ENV[$1]="" STACK_LISTEN[$1]=""
  STACK_HEALTH[$1]="" STACK_AFTER[$1]=""
}
# Arguments are kept one a line (none holds a newline).
stack_command() { local n=$1; shift; local a; for a in "$@"; do STACK_COMMAND[$n]+="$a"$'\n'; done; }
stack_env() { STACK_ENV[$1]+="$2=$3"$'\n'; }
stack_listen() { STACK_LISTEN[$1]=$2; }
stack_health() { STACK_HEALTH[$1]=$2; }
stack_after() { STACK_AFTER[$1]+="$2 $3"$'\n'; }

# A TCP port nobody listens on now (the kernel's choice for port 0), on loopback.
# `stack_free_port VAR` sets VAR (in the caller, no subshell, so that the plan never takes a port twice).
declare -A STACK_PORTS_TAKEN
stack_free_port() {
  local _candidate
  while :; do
    _candidate=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    [[ -z ${STACK_PORTS_TAKEN[$_candidate]:-} ]] && break
  done
  STACK_PORTS_TAKEN[$_candidate]=1
  printf -v "$1" '%s' "$_candidate"
}

# The mock service's name for a gateway kind, in this plan and in the compose file.
stack_mock_name() { echo "mock-$1-service"; }
# The server process for a main-app role, as the document names them (app, celery-worker, celery-beat).
stack_role_name() { case $1 in api) echo app ;; *) echo "$1" ;; esac; }

# The PROVIDERS_<X>_* settings of config/integration-providers.env for stack X, one KEY=VALUE a line with
# the prefix removed and the mock URLs substituted; empty values are left out (the server's default).
stack_provider_settings() {
  local stack=${1^^} file=$2 line key value prefix
  prefix="PROVIDERS_${stack}_"
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    key=${line%%=*} value=${line#*=}
    [[ $key == "$prefix"* ]] || continue
    [[ $value == \"*\" && ${#value} -ge 2 ]] && value=${value:1:${#value}-2}
    [[ -n $value ]] || continue
    value=$(stack_substitute "$value")
    echo "${key#"$prefix"}=$value"
  done <"$file"
  return 0
}

# Replaces ${PAYMENT_MOCK_URL}, ${SHIPPING_MOCK_URL}, ${EMAIL_MOCK_URL}, ${SMS_MOCK_URL} and ${SMTP_URL}
# (and only them) with this plan's values.
stack_substitute() {
  local v=$1 name
  for name in PAYMENT_MOCK_URL SHIPPING_MOCK_URL EMAIL_MOCK_URL SMS_MOCK_URL SMTP_URL; do
    v=${v//"\${$name}"/${STACK_URLS[$name]}}
  done
  echo "$v"
}

declare -A STACK_URLS

# The value config/integration.env gives KEY (empty when it has none).
stack_profile_value() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line == "$1="* ]] && { echo "${line#*=}"; return 0; }
  done <config/integration.env
  return 0
}

# Declares the whole stack under DIR (the services' directory; SMTP_MAILDIR and the servers' data
# directories go there too). BUILD_DIR names the build; LOGS_DIR the logs directory; BREAK_KIND, when
# set, is the gateway kind whose mock answers 500 to everything.
stack_plan() {
  local dir=$1 build=${BUILD_DIR:-build} logs=${LOGS_DIR:-logs}
  local pg_host="$dir/pg-run" pg_port=5433 kind name port role stack

  stack_process postgres service healthy
  stack_command postgres postgres
  stack_listen postgres "unix:$pg_host"
  stack_health postgres "pg_isready"
  stack_process redis service healthy
  stack_command redis redis-server
  stack_listen redis "unix:$dir/redis.sock"
  stack_health redis "redis-cli ping"

  for kind in "${STACK_MOCK_KINDS[@]}"; do
    name=$(stack_mock_name "$kind")
    stack_free_port port
    stack_process "$name" mock healthy
    local stubs="config/mock-stubs/$kind.json"
    [[ ${BREAK_KIND:-} == "$kind" ]] && stubs="$dir/broken-$kind.json"
    stack_command "$name" "$build/commerce-mock" --host 127.0.0.1 --port "$port" --stubs "$stubs"
    stack_listen "$name" "127.0.0.1:$port"
    stack_health "$name" "PUT http://127.0.0.1:$port/mockserver/status"
    STACK_URLS[${kind^^}_MOCK_URL]="http://127.0.0.1:$port"
  done

  stack_free_port port
  stack_process smtp smtp started
  # Debian's python3 (python3-aiosmtpd), whatever python3 comes first on PATH.
  stack_command smtp /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir"
  stack_listen smtp "127.0.0.1:$port"
  STACK_URLS[SMTP_URL]="smtp://127.0.0.1:$port"
  STACK_URLS[SMTP_MAILDIR]="$dir/maildir"

  # The document's app, celery-worker and celery-beat: one profile, one database, one Redis.
  local app_port
  stack_free_port app_port
  for role in "${STACK_APP_ROLES[@]}"; do
    name=$(stack_role_name "$role")
    if [[ $role == api ]]; then stack_process "$name" server healthy; else stack_process "$name" server started; fi
    stack_command "$name" "$build/commerce-server" --config config/integration.env --role "$role"
    stack_env "$name" HOST 127.0.0.1
    stack_env "$name" PORT "$app_port"
    stack_env "$name" DATA_DIR "$dir/data-$name"
    stack_env "$name" DATABASE_URL "postgresql://postgres@/commerce_test?host=$pg_host&port=$pg_port"
    stack_env "$name" REDIS_URL "unix://$dir/redis.sock"
    for kind in payment shipping email inventory; do
      stack_env "$name" "${kind^^}_SERVICE_URL" "${STACK_URLS[${kind^^}_MOCK_URL]}"
    done
    if [[ $role == api ]]; then
      stack_env "$name" LOG_FILE "$logs/integration_test.log"
      stack_listen "$name" "127.0.0.1:$app_port"
      stack_health "$name" "GET http://127.0.0.1:$app_port/health/"
      stack_after "$name" postgres service_healthy
      stack_after "$name" redis service_healthy
    else
      # Not app's health: /health/ reports the workers, so it only turns healthy once a worker runs.
      stack_env "$name" LOG_FILE "$logs/integration_test.$name.log"
      stack_after "$name" postgres service_healthy
      stack_after "$name" redis service_healthy
      stack_after "$name" app service_started
    fi
  done
  STACK_URLS[APP_URL]="http://127.0.0.1:$app_port"

  # The provider stacks: everything in one process, their own database, the PostgreSQL job queue.
  for stack in "${STACK_PROVIDER_STACKS[@]}"; do
    name="app-providers-$stack"
    stack_free_port port
    stack_process "$name" server healthy
    stack_command "$name" "$build/commerce-server" --config config/integration.env --role all
    stack_env "$name" HOST 127.0.0.1
    stack_env "$name" PORT "$port"
    stack_env "$name" DATA_DIR "$dir/data-$name"
    stack_env "$name" DATABASE_URL "postgresql://postgres@/commerce_providers_$stack?host=$pg_host&port=$pg_port"
    stack_env "$name" REDIS_URL ""
    stack_env "$name" INVENTORY_SERVICE_URL "${STACK_URLS[INVENTORY_MOCK_URL]}"
    stack_env "$name" LOG_FILE "$logs/integration_test.$name.log"
    local setting
    while IFS= read -r setting; do
      [[ -n $setting ]] && stack_env "$name" "${setting%%=*}" "${setting#*=}"
    done < <(stack_provider_settings "$stack" config/integration-providers.env)
    stack_listen "$name" "127.0.0.1:$port"
    stack_health "$name" "GET http://127.0.0.1:$port/health/"
    stack_after "$name" postgres service_healthy
    STACK_URLS[APP_URL_PROVIDERS_${stack^^}]="http://127.0.0.1:$port"
  done

  # The document's integration-tester: the runner, with the contract's environment.
  stack_process integration-tester runner started
  # Our CI's bar (the runner's own default is the document's 80): a caller's --min-success-rate replaces it.
  stack_command integration-tester "$build/integration-runner" --min-success-rate 100
  for name in APP_URL PAYMENT_MOCK_URL SHIPPING_MOCK_URL EMAIL_MOCK_URL SMS_MOCK_URL INVENTORY_MOCK_URL SMTP_MAILDIR \
    APP_URL_PROVIDERS_A APP_URL_PROVIDERS_B APP_URL_PROVIDERS_C; do
    stack_env integration-tester "$name" "${STACK_URLS[$name]}"
  done
  stack_env integration-tester ADMIN_EMAIL admin@example.com
  stack_env integration-tester ADMIN_PASSWORD admin12345
  stack_env integration-tester INTEGRATION_TASK_TIMEOUT_SECONDS "${INTEGRATION_TASK_TIMEOUT_SECONDS:-60}"
  # The profile's reservation expiry, which the async tests wait for.
  stack_env integration-tester RESERVATION_TTL "$(stack_profile_value RESERVATION_TTL)"
  stack_env integration-tester TEST_DATABASE_URL "postgresql://postgres@/commerce_test?host=$pg_host&port=$pg_port"
  for name in "${STACK_NAMES[@]}"; do
    case ${STACK_KIND[$name]} in
      mock | server) stack_after integration-tester "$name" "$([[ ${STACK_READY[$name]} == healthy ]] &&
        echo service_healthy || echo service_started)" ;;
      smtp) stack_after integration-tester "$name" service_started ;;
    esac
  done
  return 0
}

# The plan, one fact a line: `process NAME KIND READY`, `command ARG...` (shell-quoted), `env KEY=VALUE`,
# `listen ADDRESS`, `health CHECK`, `after OTHER CONDITION`.
stack_print_plan() {
  local name line
  for name in "${STACK_NAMES[@]}"; do
    echo "process $name ${STACK_KIND[$name]} ${STACK_READY[$name]}"
    local -a argv=()
    while IFS= read -r line; do [[ -n $line ]] && argv+=("$line"); done <<<"${STACK_COMMAND[$name]}"
    echo "command$(printf ' %q' "${argv[@]}")"
    while IFS= read -r line; do [[ -n $line ]] && echo "env $line"; done <<<"${STACK_ENV[$name]}"
    [[ -n ${STACK_LISTEN[$name]} ]] && echo "listen ${STACK_LISTEN[$name]}"
    [[ -n ${STACK_HEALTH[$name]} ]] && echo "health ${STACK_HEALTH[$name]}"
    while IFS= read -r line; do [[ -n $line ]] && echo "after $line"; done <<<"${STACK_AFTER[$name]}"
  done
  return 0
}
