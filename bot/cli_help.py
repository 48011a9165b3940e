"""The words of `vpsbot --help` and each command's: what it does, the settings it reads, its exit
codes. Plain text, no imports: `--help` loads nothing of the bot."""

SETTINGS = "settings it reads (environment variables, or NAME=value lines in ./.env):"

MAIN = """\
Slack chat-ops for VPS.org servers: people type /vps commands in Slack (or click buttons),
the bot checks them against a policy file, asks for confirmation or approval where the policy
says so, calls the VPS.org API and reports every change to an ops channel."""

MAIN_EPILOG = """\
settings: environment variables, or NAME=value lines in a .env file in the working directory
(README: "Settings"); `vpsbot COMMAND --help` names those COMMAND reads.

exit codes:
  0    done: run and simulator stopped by SIGTERM or Ctrl-C; check found no FAIL (warnings
       alone leave 0); console ended with every line done
  1    check: a FAIL line in its report (a bad setting too); console: a line of a script failed
  2    wrong arguments, or the program could not start (a missing or bad setting, a mistake
       in the policy file, a port in use, a token Slack refuses): one line per problem on
       stderr, naming what to fix
  130  interrupted by Ctrl-C while starting"""

RUN = """\
Serve the bot: connect to Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on
HOST:PORT, at /slack/events), answer /vps commands, buttons and forms, follow servers after a
change and report to the ops channel. /healthz and /readyz answer on HOST:PORT, /metrics on
HOST:BOT_METRICS_PORT. Start-up brings the state store's schema up to date and checks the
Slack token (auth.test)."""

RUN_EPILOG = f"""\
{SETTINGS}
  Slack     SLACK_BOT_TOKEN (required); SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET
            (HTTP mode, required there); SLACK_API_URL
  VPS.org   VPS_API_TOKEN (required, unless --simulator), VPS_API_URL, VPS_API_TIMEOUT_SECONDS
  rules     BOT_POLICY_FILE, BOT_OPS_CHANNEL (required by a policy with approve:),
            BOT_CONFIRM_TTL_SECONDS, BOT_COMMAND, BOT_CATALOG_FILE,
            BOT_REQUEST_DEADLINE_SECONDS, BOT_TIMEZONE
  state     BOT_STATE_URL, BOT_AUDIT_RETENTION_DAYS, BOT_REPLICA_ID
  follow-up BOT_WATCH_INTERVAL_SECONDS, BOT_MONITOR_INTERVAL_SECONDS,
            BOT_SCHEDULE_INTERVAL_SECONDS
  serving   HOST, PORT, BOT_METRICS_PORT, LOG_LEVEL, LOG_FORMAT

exit codes:
  0    stopped by SIGTERM or Ctrl-C, after finishing the requests in flight
  2    could not start: a missing or bad setting, a mistake in the policy file, a state store
       that waiting cannot heal (a malformed URL, wrong credentials, a newer schema), a port
       in use, a token Slack refuses (one line per problem); an unreachable store is waited
       for, with /readyz 503 meanwhile
  130  interrupted by Ctrl-C while starting"""

CHECK = """\
Check everything `vpsbot run` needs, without serving: the settings, the policy file, the
create catalog, the state store (a missing SQLite file is reported, not created), VPS.org (one
listing of the servers) and Slack (auth.test, and Socket Mode's app token). One line per thing
checked: ok, skip, WARN (run accepts it, you probably don't want it: no policy file, no
BOT_OPS_CHANNEL) or FAIL (run would trip on it); then a verdict."""

CHECK_EPILOG = f"""\
{SETTINGS}
  every setting `vpsbot run` reads (`vpsbot run --help`); one that run requires and is
  missing, or a bad value of any, is a FAIL line.

exit codes:
  0    no FAIL line (warnings alone leave it 0)
  1    at least one FAIL line
  2    wrong arguments"""

CONSOLE = """\
The real app with Slack played locally, in your terminal: type /vps commands, press buttons by
number, fill forms field by field. It runs the built-in VPS.org simulator unless VPS_API_URL or
VPS_API_TOKEN is set; then it acts on that real API and needs your policy file. Ctrl-C clears
the line, Ctrl-D leaves; type :help inside for the rest."""

CONSOLE_EPILOG = f"""\
{SETTINGS}
  VPS.org   VPS_API_URL, VPS_API_TOKEN (either one set: the real API), VPS_API_TIMEOUT_SECONDS
  rules     BOT_POLICY_FILE (without one: a demo policy, simulator only),
            BOT_CONFIRM_TTL_SECONDS, BOT_COMMAND, BOT_CATALOG_FILE, BOT_OPS_CHANNEL,
            BOT_REQUEST_DEADLINE_SECONDS, BOT_TIMEZONE
  state     BOT_STATE_URL (unset: a temporary file, deleted at the end), BOT_AUDIT_RETENTION_DAYS
  follow-up BOT_WATCH_INTERVAL_SECONDS, BOT_MONITOR_INTERVAL_SECONDS,
            BOT_SCHEDULE_INTERVAL_SECONDS
  terminal  LOG_LEVEL, LOG_FORMAT, NO_COLOR, TERM
  The Slack settings, HOST, PORT and BOT_METRICS_PORT are not used: Slack is played here.

exit codes:
  0    every line done, or you left (Ctrl-D, :quit)
  1    a line of a script (-c or stdin) failed: a refusal, an error, a mistake
  2    could not start: a bad setting, a mistake in the policy file, a real API without a
       policy file (one line per problem)"""

SIMULATOR = """\
Serve the built-in VPS.org API simulator on its own (for `vpsbot check`, `vpsbot run` with
VPS_API_URL pointed at it, or your own client): N servers that start, stop, reboot and get
created as VPS.org's would, with its paging and errors."""

SIMULATOR_EPILOG = f"""\
{SETTINGS}
  LOG_LEVEL, LOG_FORMAT; everything else is an option above (like every command, it refuses
  to start while a setting is malformed)

exit codes:
  0    stopped by SIGTERM or Ctrl-C
  2    wrong arguments, a bad setting, or the port is in use"""

COMMANDS = {  # each command's line in `vpsbot --help`, then its own --help
    "run": ("serve the bot: connect to Slack, answer /vps", RUN, RUN_EPILOG),
    "check": (
        "check what run needs, without serving (exit code 1 on a FAIL line)",
        CHECK,
        CHECK_EPILOG,
    ),
    "console": ("try the bot in the terminal, Slack played locally", CONSOLE, CONSOLE_EPILOG),
    "simulator": ("serve the built-in VPS.org API simulator", SIMULATOR, SIMULATOR_EPILOG),
}
