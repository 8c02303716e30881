#!/usr/bin/env python3
"""The integration runner's own test: runs build/integration-runner against small fake Boost.Test
category programs (fakes/) and a fake /health/ endpoint, and checks exit codes, the JSON report,
the JUnit files against junit-jenkins.xsd (xmllint), the matrix coverage rules and index.html.

usage: runner_test.py --runner BIN --fakes-dir DIR --work-dir DIR
"""
import argparse
import glob
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
XSD = os.path.join(HERE, "junit-jenkins.xsd")
CATEGORIES = ["user_flows", "payment_integration", "external_services", "async_processes"]
FAILURES = []


def check(condition, what):
    if condition:
        print("  ok: " + what)
    else:
        print("  FAILED: " + what)
        FAILURES.append(what)


class HealthServer:
    """/health/ on 127.0.0.1 at a free port; the answer can change while the runner waits."""

    def __init__(self, status=200, body=None):
        self.status, self.body = status, body or {"status": "ok", "database": True, "worker": True}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                payload = json.dumps(owner.body).encode() if self.path == "/health/" else b"{}"
                self.send_response(owner.status if self.path == "/health/" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def tests_dir(work, name, programs):
    """A tests directory whose category programs are the given fakes (None: missing)."""
    path = os.path.join(work, name, "programs")
    os.makedirs(path, exist_ok=True)
    for category, fake in zip(CATEGORIES, programs):
        if fake:
            os.symlink(os.path.join(ARGS.fakes_dir, "runner_fake_" + fake), os.path.join(path, category))
    return path


def run_runner(args, env_extra=None, timeout=120):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("APP_URL") and not k.endswith("_MOCK_URL")}
    env.update(env_extra or {})
    started = time.time()
    result = subprocess.run([ARGS.runner] + args, env=env, capture_output=True, text=True, timeout=timeout)
    result.seconds = time.time() - started
    return result


def load_json_report(reports):
    files = glob.glob(os.path.join(reports, "integration_test_*.json"))
    check(len(files) == 1, "one integration_test_<YYYYmmdd_HHMMSS>.json in %s (%s)" % (reports, files))
    if not files:
        return {}
    name = os.path.basename(files[0])
    check(len(name) == len("integration_test_20260101_120000.json") and name[17:25].isdigit() and name[26:32].isdigit(),
          "the JSON file name has the document's timestamp format: " + name)
    with open(files[0]) as f:
        return json.load(f)


def validate_junit(reports, expected_categories):
    for category in expected_categories:
        path = os.path.join(reports, category + "_results.xml")
        check(os.path.exists(path), "JUnit file for " + category)
        if os.path.exists(path):
            lint = subprocess.run(["xmllint", "--noout", "--schema", XSD, path], capture_output=True, text=True)
            check(lint.returncode == 0, "%s is valid against junit-jenkins.xsd %s" % (path, lint.stderr.strip()))


def coverage_of(report):
    return {p["point"]: p for p in report.get("matrix_coverage", {}).get("points", [])}


def test_flags(work):
    print("flags")
    r = run_runner(["--help"])
    check(r.returncode == 0 and "--only" in r.stdout and "--min-success-rate" in r.stdout, "--help exits 0 and lists flags")
    for bad in (["--bogus"], ["--only", "nonsense"], ["--min-success-rate", "150"], ["--category-timeout", "x"],
                ["--app-url", "ftp://x"], ["--matrix", os.path.join(work, "missing.yml")]):
        r = run_runner(bad)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr,
              "%s exits 2 with one line (%d, %r)" % (" ".join(bad), r.returncode, r.stderr.strip()))
    broken = os.path.join(work, "duplicate.yml")
    with open(broken, "w") as f:
        f.write("integration_points:\n  external_services:\n    payment: [stripe, stripe]\n")
    r = run_runner(["--matrix", broken, "--print-matrix"])
    check(r.returncode == 2 and "service.stripe" in r.stderr and "twice" in r.stderr and ":3" in r.stderr,
          "a duplicate point is refused with its line: " + r.stderr.strip())
    with open(broken, "w") as f:
        f.write("integration_points:\n  payments: [stripe]\n")
    r = run_runner(["--matrix", broken, "--print-matrix"])
    check(r.returncode == 2 and "unknown group `payments`" in r.stderr, "an unknown group is refused: " + r.stderr.strip())
    r = run_runner(["--print-matrix"])
    points = [l.split()[0] for l in r.stdout.splitlines()[1:] if l.strip()]
    check(r.returncode == 0 and len(points) == 22 and "service.sms_ru" in points and "flow.analytics_data" in points,
          "the repository's matrix parses into its 22 points")


def test_green(work):
    print("green: every category passes, every point covered")
    health = HealthServer()
    env_file = os.path.join(work, "green-env.txt")
    reports = os.path.join(work, "green", "reports")
    try:
        r = run_runner(["--tests-dir", tests_dir(work, "green", ["passing"] * 4),
                        "--matrix", os.path.join(HERE, "fakes", "matrix_green.yml"), "--reports-dir", reports,
                        "--app-url", health.url, "--email-mock-url", "http://127.0.0.1:9/email"],
                       {"PAYMENT_MOCK_URL": "http://127.0.0.1:9/payment", "RUNNER_FAKE_ENV_FILE": env_file})
    finally:
        health.close()
    print(r.stdout[-3000:], r.stderr[-2000:])
    check(r.returncode == 0, "exit 0 (%d)" % r.returncode)
    for category in CATEGORIES:
        check("%s: PASSED" % category in r.stdout, category + " PASSED line")
    check("INTEGRATION TESTING SUMMARY" in r.stdout and "Success Rate: 100.0%" in r.stdout and "Passed: 4" in r.stdout,
          "the document's summary block")
    check("[3/3] fake_passing_flows/" in r.stdout, "progress per test")
    check("INTEGRATION MATRIX" in r.stdout and "service.stripe" in r.stdout, "the matrix table")
    report = load_json_report(reports)
    head = report.get("integration_test_report", {})
    for field in ("start_time", "end_time", "duration_seconds", "total_test_categories", "passed_categories",
                  "failed_categories", "success_rate"):
        check(field in head, "report field " + field)
    check(head.get("total_test_categories") == 4 and head.get("passed_categories") == 4 and
          head.get("failed_categories") == 0 and head.get("success_rate") == 100, "category counts and rate")
    results = report.get("test_results", {})
    check(list(results) == CATEGORIES, "results per category, in the document's order")
    tests = results.get("user_flows", {}).get("tests", [])
    check(len(tests) == 4 and sum(t["status"] == "passed" for t in tests) == 3 and
          any(t["status"] == "skipped" for t in tests), "per-test results (3 passed, the disabled one skipped)")
    check(all(p["status"] == "passed" and len(p["tests"]) == 4 for p in coverage_of(report).values()) and
          report.get("matrix_coverage", {}).get("covered") is True, "every point covered by 4 passing tests")
    validate_junit(reports, CATEGORIES)
    with open(env_file) as f:
        seen = f.read()
    check("APP_URL=%s\n" % health.url in seen and "PAYMENT_MOCK_URL=http://127.0.0.1:9/payment\n" in seen and
          "EMAIL_MOCK_URL=http://127.0.0.1:9/email\n" in seen and "SHIPPING_MOCK_URL=\n" in seen,
          "the category programs get APP_URL and the mock URLs from flags and environment")
    with open(os.path.join(reports, "index.html")) as f:
        page = f.read()
    check("<link" not in page and 'src="http' not in page and "@import" not in page and "url(" not in page,
          "index.html loads nothing from outside")


def test_mixed(work):
    print("mixed: passing, failing, hanging (timeout), passing")
    health = HealthServer()
    pid_file = os.path.join(work, "hanging.pids")
    reports = os.path.join(work, "mixed", "reports")
    try:
        r = run_runner(["--tests-dir", tests_dir(work, "mixed", ["passing", "failing", "hanging", "passing"]),
                        "--matrix", os.path.join(HERE, "fakes", "matrix.yml"), "--reports-dir", reports,
                        "--category-timeout", "4"], {"APP_URL": health.url, "RUNNER_FAKE_PID_FILE": pid_file})
    finally:
        health.close()
    print(r.stdout[-4000:], r.stderr[-2000:])
    check(r.returncode == 1, "exit 1 (%d)" % r.returncode)
    check("payment_integration: FAILED" in r.stdout and "external_services: TIMEOUT" in r.stdout and
          "user_flows: PASSED" in r.stdout, "PASSED / FAILED / TIMEOUT lines")
    check("Success Rate: 50.0%" in r.stdout, "success rate 50%")
    check(r.seconds < 40, "the hanging category is stopped at its timeout (%.1f s)" % r.seconds)
    with open(pid_file) as f:
        pids = [int(p) for p in f.read().split()]
    time.sleep(0.2)
    alive = [p for p in pids if os.path.exists("/proc/%d" % p) and
             open("/proc/%d/stat" % p).read().split(")")[-1].split()[0] != "Z"]
    check(len(pids) == 2 and not alive, "the hanging program and its child are gone (%s alive)" % alive)
    report = load_json_report(reports)
    results = report.get("test_results", {})
    failing = {t["name"]: t for t in results.get("payment_integration", {}).get("tests", [])}
    ship = failing.get("fake_failing_payments/ships_with_cdek", {})
    check(ship.get("status") == "failed" and any(
        'payment mock answered 500 <Internal & "Server" Error>' in m["text"] for m in ship.get("messages", [])),
        "the failure message reaches the JSON report")
    check(failing.get("fake_failing_payments/buys_a_product", {}).get("status") == "error", "an exception is an error")
    hanging = {t["name"]: t for t in results.get("external_services", {}).get("tests", [])}
    check(results.get("external_services", {}).get("status") == "TIMEOUT" and
          results["external_services"].get("exit_code") == -1, "TIMEOUT status with exit_code -1")
    check(hanging.get("fake_hanging_async/quick_task", {}).get("status") == "passed" and
          hanging.get("fake_hanging_async/waits_forever", {}).get("status") == "timed_out" and
          hanging.get("fake_hanging_async/never_reached", {}).get("status") == "not_run",
          "before / during / after the timeout: passed, timed_out, not_run")
    coverage = {k: v["status"] for k, v in coverage_of(report).items()}
    check(coverage == {"module.auth_products": "passed", "module.cart_orders": "passed", "service.stripe": "passed",
                       "service.cdek": "failed", "flow.user_registration": "passed",
                       "flow.product_purchase": "failed", "flow.inventory_sync": "failed"},
          "coverage: a point passes with one passing test, fails when none of its tests passed: %s" % coverage)
    reasons = " ".join(report.get("integration_test_report", {}).get("verdict_reasons", []))
    check("flow.product_purchase" in reasons and "below the required 80.0%" in reasons, "the verdict says why")
    validate_junit(reports, CATEGORIES)
    with open(os.path.join(reports, "payment_integration_results.xml")) as f:
        junit = f.read()
    check('failures="1"' in junit and 'errors="1"' in junit and
          "payment mock answered 500 &lt;Internal &amp; &quot;Server&quot; Error&gt;" in junit,
          "JUnit counts and the escaped failure message")


def test_rate_and_missing_program(work):
    print("success rate: 3 of 4 categories (a missing program fails its category)")
    health = HealthServer()
    reports = os.path.join(work, "rate", "reports")
    programs = tests_dir(work, "rate", ["passing", "passing", "passing", None])
    common = ["--tests-dir", programs, "--matrix", os.path.join(HERE, "fakes", "matrix_green.yml"),
              "--reports-dir", reports, "--app-url", health.url]
    try:
        r = run_runner(common)
        check(r.returncode == 1 and "async_processes: FAILED" in r.stdout and "program not found" in r.stdout and
              "Success Rate: 75.0%" in r.stdout, "75%% < 80%%: exit 1 (%d)" % r.returncode)
        validate_junit(reports, CATEGORIES)
        shutil.rmtree(reports)
        r = run_runner(common + ["--min-success-rate", "75"])
        check(r.returncode == 0, "75%% with --min-success-rate 75: exit 0 (%d)" % r.returncode)
        os.remove(glob.glob(os.path.join(reports, "integration_test_*.json"))[0])
        r = run_runner(common + ["--only", "user_flows", "--only", "external_services"])
        report = load_json_report(reports)
        check(sorted(os.path.basename(p) for p in glob.glob(os.path.join(reports, "*_results.xml"))) ==
              ["external_services_results.xml", "user_flows_results.xml"], "JUnit files of this run only")
        check(r.returncode == 0 and list(report.get("test_results", {})) == ["user_flows", "external_services"] and
              report["integration_test_report"]["total_test_categories"] == 2, "--only twice runs those two")
    finally:
        health.close()


def test_uncovered_and_unknown(work):
    print("coverage: a point without any test; a test naming an unknown point")
    health = HealthServer()
    matrix = os.path.join(work, "uncovered.yml")
    with open(os.path.join(HERE, "fakes", "matrix_green.yml")) as f:
        text = f.read()
    with open(matrix, "w") as f:
        f.write(text.replace("payment_gateways: [stripe]", "payment_gateways: [stripe, yookassa]"))
    try:
        reports = os.path.join(work, "uncovered", "reports")
        r = run_runner(["--tests-dir", tests_dir(work, "uncovered", ["passing"] * 4), "--matrix", matrix,
                        "--reports-dir", reports, "--app-url", health.url])
        report = load_json_report(reports)
        check(r.returncode == 1 and coverage_of(report).get("service.yookassa", {}).get("status") == "uncovered" and
              "service.yookassa has no test" in r.stdout, "an uncovered point fails the run at 100%% (%d)" % r.returncode)
        r = run_runner(["--tests-dir", tests_dir(work, "unknown", ["unknown_label", "passing", "passing", "passing"]),
                        "--matrix", os.path.join(HERE, "fakes", "matrix_green.yml"),
                        "--reports-dir", os.path.join(work, "unknown", "reports"), "--app-url", health.url])
        check(r.returncode == 1 and "service.paypal" in r.stderr and "pays_with_paypal" in r.stderr and
              "`slow`" not in r.stderr and "Running" not in r.stdout,
              "an unknown point is an error before anything runs (%d: %s)" % (r.returncode, r.stderr.strip()))
    finally:
        health.close()


def test_crash(work):
    print("crash: a program killed mid-run (no XML log) is reported from its HRF log")
    health = HealthServer()
    reports = os.path.join(work, "crash", "reports")
    try:
        r = run_runner(["--tests-dir", tests_dir(work, "crash", ["crashing"] * 4), "--only", "user_flows",
                        "--matrix", os.path.join(HERE, "fakes", "matrix_green.yml"), "--reports-dir", reports,
                        "--app-url", health.url])
    finally:
        health.close()
    report = load_json_report(reports)
    category = report.get("test_results", {}).get("user_flows", {})
    tests = {t["name"]: t["status"] for t in category.get("tests", [])}
    check(r.returncode == 1 and category.get("status") == "FAILED" and "signal 9" in category.get("error", ""),
          "FAILED, killed by signal 9 (%d, %s)" % (r.returncode, category.get("error")))
    check(tests == {"before_the_crash": "passed", "gets_killed": "error", "after_the_crash": "not_run"},
          "before / during / after the crash: %s" % tests)
    validate_junit(reports, ["user_flows"])


def test_health(work):
    print("health: waits for every value true, on APP_URL and APP_URL_PROVIDERS_*")
    app = HealthServer(503, {"status": "ok", "database": True, "worker": False})
    providers = HealthServer(200, {"status": "ok", "database": True, "redis": False})
    programs = tests_dir(work, "health", ["passing"] * 4)
    common = ["--tests-dir", programs, "--matrix", os.path.join(HERE, "fakes", "matrix_green.yml"),
              "--reports-dir", os.path.join(work, "health", "reports"), "--only", "user_flows"]
    try:
        r = run_runner(common + ["--health-timeout", "2"], {"APP_URL": app.url})
        check(r.returncode == 1 and app.url + "/health/" in r.stdout and "worker not true" in r.stdout and
              "did not become ready" in r.stdout, "a false value keeps it waiting, then exit 1 (%d)" % r.returncode)
        app.status, app.body = 200, {"status": "ok", "database": True, "worker": True}
        r = run_runner(common + ["--health-timeout", "2"], {"APP_URL": app.url, "APP_URL_PROVIDERS_B": providers.url})
        check(r.returncode == 1 and "APP_URL_PROVIDERS_B" in r.stdout and "redis not true" in r.stdout,
              "a provider stack's health is waited for too (%d)" % r.returncode)
        threading.Timer(2.0, lambda: providers.body.update(redis=True)).start()
        r = run_runner(common + ["--health-timeout", "20"], {"APP_URL": app.url, "APP_URL_PROVIDERS_B": providers.url})
        check(r.returncode == 0 and "All services are ready" in r.stdout and r.seconds >= 2,
              "it goes on once every value is true (%d, %.1f s)" % (r.returncode, r.seconds))
        r = run_runner(common + ["--health-timeout", "1", "--app-url", "http://127.0.0.1:1"])
        check(r.returncode == 1 and "did not become ready" in r.stdout, "nothing listening: exit 1")
    finally:
        app.close()
        providers.close()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--fakes-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS = parser.parse_args()
    for name in ("runner", "fakes_dir", "work_dir"):
        setattr(ARGS, name, os.path.abspath(getattr(ARGS, name)))
    shutil.rmtree(ARGS.work_dir, ignore_errors=True)
    os.makedirs(ARGS.work_dir)
    for test in (test_flags, test_green, test_mixed, test_rate_and_missing_program, test_uncovered_and_unknown,
                 test_crash, test_health):
        test(ARGS.work_dir)
    if FAILURES:
        print("\n%d check(s) failed:\n  %s" % (len(FAILURES), "\n  ".join(FAILURES)))
        return 1
    print("\nall runner checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
