#!/usr/bin/env python3
"""The deliberately broken mock: with the payment mock answering 500 to everything
(`scripts/integration --break payment`), the runner must fail, and its JSON report must say which tests
failed and why, and which matrix points they leave failed. Run after a build (BUILD_DIR, default build):
  python3 tests/stack/broken_mock_check.py [CATEGORY]     (default payment_integration)
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Points a broken payment gateway must break: every payment provider, and the order→payment pair.
FAILED = ("failed", "error")  # a failed check, or an exception
FAILURE_KINDS = ("error", "fatal_error", "exception")  # the messages that say why (others are context)
PAYMENT_POINTS = {"service.stripe", "service.cloudpayments", "service.yookassa", "module.orders_payments",
                  "flow.product_purchase"}


def walk_tests(node):
    """Every per-test record (an object with name, status and messages) anywhere under `node`."""
    if isinstance(node, dict):
        if "name" in node and "status" in node and "messages" in node:
            yield node
        for value in node.values():
            yield from walk_tests(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_tests(value)


def why_failed(test):
    """The text of the test's first failure message ("" when it has none)."""
    return next((m.get("text") for m in test.get("messages", []) if m.get("kind") in FAILURE_KINDS and m.get("text")), "")


def main():
    category = sys.argv[1] if len(sys.argv) > 1 else "payment_integration"
    work = tempfile.mkdtemp(prefix="commerce-broken-mock.")
    reports = os.path.join(work, "reports")
    command = [os.path.join(ROOT, "scripts", "integration"), "--no-setup", "--break", "payment",
               "--logs-dir", os.path.join(work, "logs"), "--", "--only", category, "--reports-dir", reports]
    print("running:", " ".join(command), flush=True)
    status = subprocess.run(command, cwd=ROOT).returncode
    problems = []
    if status == 0:
        problems.append("the runner passed although the payment mock answers 500 to everything")
    if status == 3:
        problems.append("the stack did not start (exit 3), so nothing was tested; see " + work + "/logs")
    found = sorted(glob.glob(os.path.join(reports, "integration_test_*.json")))
    if not found:
        problems.append("no integration_test_*.json in " + reports)
        return report(problems, [], [])
    with open(found[-1]) as f:
        data = json.load(f)
    summary = data.get("integration_test_report", {})
    if summary.get("success") is not False:
        problems.append("the report does not say the run failed (success: %r)" % summary.get("success"))

    failed_tests = [t for t in walk_tests(data.get("test_results", {})) if t.get("status") in FAILED]
    if not failed_tests:
        problems.append("the report names no failed test")
    for t in failed_tests:
        if not why_failed(t):
            problems.append("failed test %s carries no message saying why" % t.get("name"))

    points = data.get("matrix_coverage", {}).get("points", [])
    failed_points = [p for p in points
                     if p.get("status") == "failed" and any(x.get("status") in FAILED for x in p.get("tests", []))]
    if not failed_points:
        problems.append("the matrix coverage names no point failed by a failing test")
    elif not {p.get("point") for p in failed_points} & PAYMENT_POINTS:
        problems.append("no payment point failed: " + ", ".join(p.get("point", "?") for p in failed_points))
    status = report(problems, failed_tests, failed_points)
    if status == 0:
        shutil.rmtree(work, ignore_errors=True)  # kept for a look when the check fails
    return status


def report(problems, failed_tests, failed_points):
    for t in failed_tests[:20]:
        why = why_failed(t)
        print("failed test: %s: %s" % (t.get("name"), why.replace("\n", " ")[:160]))
    for p in failed_points:
        print("failed point: %s (%s)" % (p.get("point"), ", ".join(x.get("test", "?") for x in p.get("tests", [])
                                                                      if x.get("status") in FAILED)))
    for problem in problems:
        print("BROKEN-MOCK CHECK FAILED:", problem)
    print("broken-mock check:", "FAILED" if problems else "passed (the runner failed and its report says why)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
