#!/usr/bin/env python3
"""docker/docker-compose.integration.yml runs what scripts/integration runs, and the CI workflow is the
document's.

The stack is declared once (scripts/lib/integration_stack.sh); `scripts/integration --plan` prints it, one
fact a line. This test reads that plan and the compose file and fails, naming the service and the
difference, when they disagree on: the set of services, each one's command (program and arguments, the
listen address and port aside), environment variable names, the services its URLs point at (and the path
after them), every other value, health checks, and depends_on with its conditions. Run from anywhere:
  python3 tests/stack/compose_matches_stack.py
"""
import os
import re
import shlex
import subprocess
import sys
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE = os.path.join(ROOT, "docker", "docker-compose.integration.yml")
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "integration-tests.yml")
PROVIDERS_ENV = os.path.join(ROOT, "config", "integration-providers.env")

# Values that are the run's own places, which a container names differently: only their presence counts.
LOCAL_KEYS = {"HOST", "PORT", "DATA_DIR", "SMTP_MAILDIR"}


def read_plan():
    out = subprocess.run([os.path.join(ROOT, "scripts", "integration"), "--plan"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    plan, current = {}, None
    for line in out.splitlines():
        word, _, rest = line.partition(" ")
        if word == "process":
            name, kind, ready = rest.split()
            current = plan[name] = {"kind": kind, "ready": ready, "command": [], "env": {}, "listen": None,
                                    "health": None, "after": {}}
        elif word == "command":
            current["command"] = shlex.split(rest)
        elif word == "env":
            key, _, value = rest.partition("=")
            current["env"][key] = value
        elif word == "listen":
            current["listen"] = rest
        elif word == "health":
            current["health"] = rest
        elif word == "after":
            other, condition = rest.split()
            current["after"][other] = condition
        else:
            raise AssertionError("unexpected plan line: " + line)
    return plan


def normalized_command(argv):
    """The program's base name and the arguments, with listen addresses and ports and paths' directories aside."""
    out = [os.path.basename(argv[0])]
    for previous, arg in zip(argv, argv[1:]):
        if previous in ("--host", "--port", "-l"):
            out.append("<address>")
        elif arg.startswith("/"):
            out.append(os.path.basename(arg))
        else:
            out.append(arg)
    return out


def plan_reference(plan, value):
    """(process, rest) when `value` is a URL to one of the plan's processes, else None."""
    for name, p in plan.items():
        listen = p["listen"]
        if not listen:
            continue
        if listen.startswith("unix:"):
            path = listen[len("unix:"):]
            if path in value:
                return name, None  # a socket: where it points is all there is
        elif "://" + listen in value:
            return name, value.split("://" + listen, 1)[1]
    return None


def compose_reference(services, value):
    m = re.match(r"^[a-z]+://(?:[^@/]*@)?([a-z0-9-]+):\d+(.*)$", value)
    if m and m.group(1) in services:
        return m.group(1), m.group(2)
    return None


def database_name(url):
    m = re.search(r"/(commerce_[a-z0-9_]+)", url)
    return m.group(1) if m else None


def compose_depends_on(service):
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {d: (c or {}).get("condition", "service_started") for d, c in deps.items()}


def compose_health(service):
    check = service.get("healthcheck")
    if not check or check.get("disable"):
        return None
    test = check.get("test")
    return " ".join(test) if isinstance(test, list) else str(test)


class ComposeMatchesStack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plan = read_plan()
        with open(COMPOSE) as f:
            cls.compose = yaml.safe_load(f)
        cls.services = cls.compose["services"]

    def test_the_same_services(self):
        self.assertEqual(sorted(self.services), sorted(self.plan),
                         "services in the compose file vs processes of scripts/integration")

    def test_the_document_services_are_there(self):
        for name in ("postgres", "redis", "app", "worker", "beat", "mock-payment-service", "mock-shipping-service",
                     "mock-email-service", "integration-tester"):
            self.assertIn(name, self.plan)

    def test_commands(self):
        for name, p in self.plan.items():
            if p["kind"] == "service":
                continue  # PostgreSQL and Redis: their images' own commands
            with self.subTest(service=name):
                command = self.services[name].get("command")
                self.assertIsInstance(command, list, name + ": command as a list")
                self.assertEqual(normalized_command(command), normalized_command(p["command"]))

    def test_environment(self):
        for name, p in self.plan.items():
            if p["kind"] == "service":
                continue
            with self.subTest(service=name):
                env = {k: ("" if v is None else str(v)) for k, v in (self.services[name].get("environment") or {}).items()}
                self.assertEqual(sorted(env), sorted(p["env"]), name + ": environment variable names")
                for key, ours in p["env"].items():
                    theirs = env.get(key)
                    if theirs is None or key in LOCAL_KEYS:
                        continue
                    if key == "LOG_FILE":
                        self.assertEqual(os.path.basename(theirs), os.path.basename(ours), f"{name}: {key}")
                        continue
                    ref = plan_reference(self.plan, ours)
                    if ref is None:
                        self.assertEqual(theirs, ours, f"{name}: {key}")
                        continue
                    target, rest = ref
                    compose_ref = compose_reference(self.services, theirs)
                    self.assertIsNotNone(compose_ref, f"{name}: {key}={theirs} names no service (ours: {target})")
                    self.assertEqual(compose_ref[0], target, f"{name}: {key} points at another service")
                    if target == "postgres":
                        self.assertEqual(database_name(theirs), database_name(ours), f"{name}: {key}'s database")
                    elif rest is not None:
                        self.assertEqual(compose_ref[1], rest, f"{name}: {key}'s path after the service")

    def test_health_checks(self):
        for name, p in self.plan.items():
            with self.subTest(service=name):
                health = compose_health(self.services[name])
                if p["ready"] != "healthy":
                    self.assertIsNone(health, name + " has no health check in the stack")
                    continue
                self.assertIsNotNone(health, name + " needs a health check")
                ours = p["health"]
                if ours.startswith(("GET ", "PUT ")):
                    method, url = ours.split(" ", 1)
                    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
                    self.assertIn(path, health)
                    if method == "PUT":
                        self.assertRegex(health, r"-X PUT")
                else:
                    self.assertIn(ours, health)

    def test_dependencies(self):
        for name, p in self.plan.items():
            with self.subTest(service=name):
                self.assertEqual(compose_depends_on(self.services[name]), p["after"], name + ": depends_on")

    def test_databases_exist(self):
        wanted = {database_name(v) for p in self.plan.values() for k, v in p["env"].items() if k.endswith("DATABASE_URL")}
        created = {self.services["postgres"]["environment"]["POSTGRES_DB"]}
        initdb = os.path.join(ROOT, "docker", "initdb")
        for f in sorted(os.listdir(initdb)):
            with open(os.path.join(initdb, f)) as sql:
                created |= set(re.findall(r"CREATE DATABASE (\w+)", sql.read()))
        self.assertTrue(any(v.startswith("./initdb:/docker-entrypoint-initdb.d") for v in self.services["postgres"]["volumes"]))
        self.assertLessEqual(wanted, created, "databases the stack uses vs databases compose creates")

    def test_the_tester_writes_reports_and_gets_the_provider_settings(self):
        tester = self.services["integration-tester"]
        self.assertIn("../integration_reports:/app/integration_reports", tester["volumes"])
        self.assertIn("../config/integration-providers.env", tester.get("env_file", []))

    def test_the_profile_names_the_compose_services(self):
        """config/integration.env works under compose without overrides: its hosts are compose services."""
        profile = {}
        with open(os.path.join(ROOT, "config", "integration.env")) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    k, _, v = line.partition("=")
                    profile[k] = v
        for key in ("DATABASE_URL", "REDIS_URL", "PAYMENT_SERVICE_URL", "SHIPPING_SERVICE_URL", "EMAIL_SERVICE_URL",
                    "INVENTORY_SERVICE_URL"):
            with self.subTest(key=key):
                self.assertIsNotNone(compose_reference(self.services, profile[key]), f"{key}={profile[key]}")
        self.assertEqual(profile["APP_ENV"], "test")
        self.assertEqual(profile["LOG_LEVEL"], "info")
        self.assertEqual(profile["LOG_FILE_LEVEL"], "debug")
        self.assertTrue(profile["LOG_FILE"].startswith("logs/"))


class WorkflowIsTheDocuments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(WORKFLOW) as f:
            cls.workflow = yaml.safe_load(f)
        cls.plan = read_plan()

    def test_triggers(self):
        on = self.workflow.get("on", self.workflow.get(True))  # YAML 1.1 reads a bare `on` as true
        self.assertIn("push", on)
        self.assertIn("pull_request", on)
        self.assertTrue(on["schedule"][0]["cron"])

    def test_services_steps_and_reports(self):
        (job,) = self.workflow["jobs"].values()
        self.assertIn("postgres", job["services"])
        self.assertIn("redis", job["services"])
        for service in ("postgres", "redis"):
            self.assertIn("--health-cmd", job["services"][service]["options"])
        text = "\n".join(s.get("run", "") for s in job["steps"])
        for role in ("api", "worker", "beat", "all"):
            self.assertIn("--role " + role, text)
        # Every mock of the stack, from the same declaration (scripts/lib/integration_stack.sh).
        self.assertIn('for kind in "${STACK_MOCK_KINDS[@]}"', text)
        self.assertIn("--stubs config/mock-stubs/$kind.json", text)
        self.assertIn("stack_provider_settings", text)
        self.assertIn("/health/", text)
        self.assertIn("integration-runner", text)
        upload = [s for s in job["steps"] if "upload-artifact" in s.get("uses", "")]
        self.assertEqual(len(upload), 1, "one upload step")
        self.assertEqual(upload[0].get("if"), "always()")
        self.assertIn("integration_reports", upload[0]["with"]["path"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
