# backup-kit: the verbs a user types. `make` (or `make help`) lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TARGET ?= embedded
PYTHON ?= python3
VENV := .venv
TOOLS_VENV := .venv-tools
# Node with tsx's loader, not the tsx command: that one relays Ctrl-C and SIGTERM to a child process and kills it
# with SIGKILL when it does not answer within about 60 ms (busy), so a script could not put back what it held.
TSX := node --import tsx
VITEST := node_modules/.bin/vitest

# A variable typed on make's command line, handed on quoted as the script's --option=value. Only the command line
# counts: a shell variable of the same name (PREFIX, a leftover DELETE_BACKUPS) is ignored, and $(value) keeps a
# `$` in a key as typed. A blank value is handed on too, for the script to refuse (CASE=' ' ran every case). For
# switches (YES, FORCE, FIX …) the script accepts only an explicit yes (1, yes, true). The console reads an exported
# CONSOLE_PORT itself (its --port, handed on from the command line, wins), as the scripts read TARGET.
# A value with a line break cannot be handed on (make ends the recipe's line there): it is refused, naming the
# script's own option.
option = $(if $(filter command line,$(origin $(1))),$(if $(findstring $(newline),$(value $(1))),$(error $(1) holds a line break, which make cannot hand on to the script: run it with tsx and --$(2) $$'…' instead, \n for the break (node --import tsx scripts/<verb>.ts --help)),--$(2)='$(subst ','\'',$(value $(1)))'))
define newline


endef
yes_flag = $(call option,YES,yes)
# TARGET may come from the shell too; one of the three names, one word, or make stops naming it (an empty or
# unquoted one was read as the next option's value, or ran what followed a `;`).
target_arg = $(if $(and $(filter 1,$(words $(TARGET))),$(filter embedded localstack aws,$(TARGET))),--target $(TARGET),$(error TARGET='$(TARGET)' is no target: use TARGET=embedded, TARGET=localstack or TARGET=aws))
# Every verb, as `make help` lists them.
verbs := help setup build lint test emulator emulator-stop localstack-host localstack-host-stop up down deploy deploy-aws matrix matrix-compare seed destroy logs redrive reconcile restore console bench clean
# The variables each verb takes on make's command line, beside TARGET (a test holds them to what its recipe hands on).
takes.setup := PYTHON
takes.up := NODE_IMAGE
takes.down := NODE_IMAGE
takes.deploy := YES DELETE_AUDIT_LOGS
takes.deploy-aws := YES DELETE_AUDIT_LOGS
takes.matrix := YES CASE
takes.seed := COUNT SIZE PREFIX
takes.destroy := YES DELETE_BACKUPS DISCARD_UNBACKED DELETE_AUDIT_LOGS
takes.redrive := DRY_RUN
takes.reconcile := PREFIX FIX HISTORY
takes.restore := KEY PREFIX VERSION AT TO FORCE LIST YES
takes.console := CONSOLE_PORT LOG_HOURS
takes.logs := SINCE
takes.bench := QUICK CI
# A variable typed on the command line that none of the verbs typed takes stops make before anything runs: make
# takes any name, so a misspelt one (VERISON=…) ran the verb without it, and another verb's (make destroy DRY_RUN=1)
# ran this one for real. Settings of the scripts' environment, which make exports to them, pass.
comma := ,
space := $(subst x,,x x)
# "A, B and C" of a list of words.
word_list = $(if $(word 2,$(1)),$(subst $(space),$(comma)$(space),$(wordlist 2,$(words $(1)),x $(1))) and $(lastword $(1)),$(or $(1),none))
verbs_typed := $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))
variables_typed := $(foreach variable,$(.VARIABLES),$(if $(filter command line,$(origin $(variable))),$(variable)))
# bash-completion lists the verbs for a tab with `make -npq __BASH_MAKE_COMPLETION__=1 .DEFAULT`: its variable is no typo
# (refused, the tab offered no verb).
variables_untaken := $(filter-out TARGET BACKUP_KIT_% AWS_% LOCALSTACK_% __BASH_MAKE_COMPLETION__ $(foreach verb,$(verbs_typed),$(takes.$(verb))),$(variables_typed))
# Only where make was typed: a make run by another's recipe (MAKELEVEL above 0) inherits that one's variables.
ifeq ($(MAKELEVEL),0)
# A verb the Makefile does not have (a misspelt `make seeed`): make said only "No rule to make target", naming no verb.
# bash-completion's goal, .DEFAULT, is no typo.
verbs_unknown := $(filter-out $(verbs) .DEFAULT,$(MAKECMDGOALS))
ifneq ($(verbs_unknown),)
$(error there is no verb $(call word_list,$(verbs_unknown)): the verbs are $(call word_list,$(verbs)) (`make help` says what each does))
endif
# CI typed for the bench is a switch like the others, one word: 1, yes or true for the smaller bench, 0, no or false for
# the full one; CI=1 ran the full bench with its 1 GiB object. A CI service's own value in the environment is its own.
ifneq ($(and $(filter bench,$(verbs_typed)),$(filter command line,$(origin CI))),)
ifneq ($(words $(value CI))$(filter 1 yes true 0 no false,$(value CI)),1$(strip $(value CI)))
$(error CI='$(value CI)' is no switch: CI=1 (or yes, true) runs the smaller bench, as QUICK=1 does; CI=0 (or no, false) the full one)
endif
endif
ifneq ($(variables_untaken),)
$(error none of the verbs typed takes $(call word_list,$(addsuffix =,$(variables_untaken))), which make would ignore, running them without it: $(foreach verb,$(verbs_typed),make $(verb) takes $(call word_list,$(takes.$(verb)));) every verb TARGET; settings of the scripts' environment (BACKUP_KIT_…, AWS_…, LOCALSTACK_…) pass)
endif
endif

# The Node the emulators run the function on (nodejs22.x: Node 22 from .venv); the bench's floors run on it too.
FUNCTION_NODE = $(or $(shell PYTHONPATH=scripts/lambda-runtime $(VENV)/bin/python -m kit_lambda_runtime.node_binary nodejs22.x 2>/dev/null),node)
# make up and make down need Compose v2; Debian's docker.io alone has no `docker compose` and answered "unknown flag".
need_compose = docker compose version >/dev/null 2>&1 || { echo "make $(1) needs Docker Compose v2 (\`docker compose\`), which is not installed: install Docker's docker-compose-plugin package from Docker's own apt repository (Debian bookworm's docker-compose is version 1.29, without \`docker compose\`), or use LocalStack in host mode (make localstack-host)" >&2; exit 2; }

# The lockfile keeps the SDK on releases that run on Node 20; its notice about Node 22 is known.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true

.PHONY: $(verbs)

help: ## list the verbs
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  TARGET=embedded|localstack|aws selects the target of every verb that acts on a stack (default embedded)"

setup: ## install the npm packages, .venv (moto, cfn-lint, Node 22), .venv-tools (checkov, actionlint) and, with Python 3.13+, .venv-localstack; all pinned
	@echo "setup: the npm packages and three virtualenvs at once; each part's output comes when it ends (about 3 minutes)"
	@$(MAKE) --no-print-directory -j4 --output-sync=target $(setup_parts)
	@echo "setup done: run \`make test\`"
# setup's four parts, not verbs: independent and mostly waiting on downloads, they run at once (5 minutes one after
# another on a fresh clone here, 2026-12-01), each one's output shown whole when it ends.
setup_parts := setup-npm setup-venv setup-tools-venv setup-localstack-venv
.PHONY: $(setup_parts)
setup-npm:
	npm ci --no-audit --no-fund
setup-venv:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/emulator/requirements.txt
setup-tools-venv:
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/lint-requirements.txt
setup-localstack-venv:
	scripts/localstack/setup-venv.sh

build: ## bundle the handler into dist/handler.zip, with its sha256 and the digest of its inputs beside it
	$(TSX) scripts/build.ts

lint: ## cfn-lint and checkov on the template, dclint on compose.yaml, actionlint on the workflows, tsc
	$(TSX) scripts/lint.ts

test: lint ## lint, then the unit, template and integration suites (integration starts its own emulator and LocalStack)
	$(VITEST) run

emulator: ## run the embedded emulator in the foreground on http://127.0.0.1:4599 (BACKUP_KIT_EMULATOR_PORT overrides)
	@port="$${BACKUP_KIT_EMULATOR_PORT:-4599}"; \
	if ! [ "$$port" -ge 1 ] 2>/dev/null || ! [ "$$port" -le 65535 ]; then \
	  echo "BACKUP_KIT_EMULATOR_PORT=$$port is not a port: give a whole number from 1 to 65535, or leave it unset for 4599" >&2; exit 2; \
	fi; \
	if ! [ -x $(VENV)/bin/python ]; then \
	  echo "the project's Python virtualenv is missing ($(VENV)/bin/python): run \`make setup\` first" >&2; exit 2; \
	fi; \
	exec $(VENV)/bin/python scripts/emulator/launcher.py --port "$$port" --state-dir .emulator/foreground

emulator-stop: ## stop the background emulator that `make deploy` started
	$(TSX) scripts/emulator-stop.ts

localstack-host: ## start LocalStack 4.14.0 without Docker (host mode) in the background on http://127.0.0.1:4577
	$(TSX) scripts/localstack-host.ts

localstack-host-stop: ## stop the host-mode LocalStack and its function processes
	$(TSX) scripts/localstack-host-stop.ts

up: ## start LocalStack in Docker and deploy the stack into it (docker compose)
	@$(call need_compose,up)
	docker compose up --detach --wait localstack
	docker compose run --rm deployer

down: ## stop LocalStack and remove its containers (docker compose); the deployer's npm cache is kept for offline starts
	@$(call need_compose,down)
	docker compose rm --stop --force --volumes
	docker compose down

deploy: ## build when stale (never on aws, which refuses a stale zip), upload and deploy to TARGET; proves the artefact and checks drift (YES and DELETE_AUDIT_LOGS as for deploy-aws)
	$(TSX) scripts/deploy.ts $(target_arg) $(yes_flag) $(call option,DELETE_AUDIT_LOGS,delete-audit-logs)

deploy-aws: ## deploy to real AWS (shows account, region and change set; asks first unless YES=1; DELETE_AUDIT_LOGS=1 lets EnableAuditTrail=false delete the logs)
	$(TSX) scripts/deploy.ts --target aws $(yes_flag) $(call option,DELETE_AUDIT_LOGS,delete-audit-logs)

matrix: ## run the eight-case matrix against TARGET (on the emulators it deploys the stack first; CASE=3 runs one, CASE='3 4' those; on aws cases 5 and 7 only with YES=1)
	$(TSX) scripts/matrix.ts $(target_arg) $(yes_flag) $(call option,CASE,case)

matrix-compare: ## compare the latest matrix reports of embedded and localstack case by case (exit 1 when they differ)
	$(TSX) scripts/matrix-compare.ts embedded localstack

seed: ## upload COUNT files (default 10) of SIZE bytes (default 1024) under PREFIX (default seed/) into the inbox on TARGET and wait for their backups
	$(TSX) scripts/seed.ts $(target_arg) $(call option,COUNT,count) $(call option,SIZE,size) $(call option,PREFIX,prefix)

destroy: ## empty the inbox and delete the stack on TARGET (aws only with YES=1); backups are kept unless DELETE_BACKUPS=1; refused while inbox files lack a backup unless DISCARD_UNBACKED=1, or while the audit trail holds logs unless DELETE_AUDIT_LOGS=1
	$(TSX) scripts/destroy.ts $(target_arg) $(yes_flag) $(call option,DELETE_BACKUPS,delete-backups) $(call option,DISCARD_UNBACKED,discard-unbacked) $(call option,DELETE_AUDIT_LOGS,delete-audit-logs)

redrive: ## re-invoke the function with every event parked in the failed-events queue (DRY_RUN=1 lists them)
	$(TSX) scripts/redrive.ts $(target_arg) $(call option,DRY_RUN,dry-run)

reconcile: ## compare every inbox key (PREFIX=… those under one folder) with its backup (provenance, content); FIX=1 repairs through the function; HISTORY=1 names earlier inbox versions no backup holds
	$(TSX) scripts/reconcile.ts $(target_arg) $(call option,PREFIX,prefix) $(call option,FIX,fix) $(call option,HISTORY,history)

restore: ## copy back KEY=… [VERSION=…|AT=<ISO time>] [TO=bucket/prefix] [FORCE=1 [YES=1]] [LIST=1], or PREFIX=… AT=…
	$(TSX) scripts/restore.ts $(target_arg) $(call option,KEY,key) $(call option,PREFIX,prefix) $(call option,VERSION,version) $(call option,AT,at) $(call option,TO,to) $(call option,FORCE,force) $(call option,LIST,list) $(yes_flag)

console: ## a local web page for TARGET on 127.0.0.1:4600 (CONSOLE_PORT), opened at the address it prints (it logs a browser in): backups, receipts (read from the last LOG_HOURS hours of the log, default 24), parked events, redrive, reconcile, restore, reports
	$(TSX) scripts/console.ts $(target_arg) $(call option,CONSOLE_PORT,port) $(call option,LOG_HOURS,log-hours)

logs: ## follow the function's log group on TARGET, from SINCE minutes back (default 10)
	$(TSX) scripts/logs.ts $(target_arg) $(call option,SINCE,since)

# CI=true, as CI services set it, runs the smaller bench unless QUICK is given (typed, CI is a switch: see above).
ci_quick = $(if $(filter 1,$(words $(value CI))),$(filter 1 yes true,$(value CI)))
bench: ## measure the pipeline's speed (zip, cold init, handler time, latency, burst, 1 GiB backup) against floors from the same run; reports/bench-TARGET.json (QUICK=1, and CI: smaller)
	$(FUNCTION_NODE) --import tsx scripts/bench.ts $(target_arg) $(call option,QUICK,quick) $(if $(and $(ci_quick),$(if $(QUICK),,1)),--quick)

clean: emulator-stop localstack-host-stop ## stop the background emulator and LocalStack; remove dist/, reports/, .emulator/, .localstack/
	rm -rf dist reports .emulator .localstack
