// Opens the integration runner's index.html (from its test's mixed run: passing, failing, hanging,
// passing) in headless Chromium and checks that the categories, the failures and the matrix grid
// render, then saves a screenshot.
// usage: node integration_report_page_test.js INDEX_HTML SCREENSHOT_PNG
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

let puppeteer;
try {
  puppeteer = require('puppeteer-core');
} catch (e) {
  console.error('puppeteer-core is not installed: run `npm install --prefix tests/js --no-audit --no-fund`');
  process.exit(1);
}

async function main() {
  const [indexHtml, screenshot] = process.argv.slice(2);
  if (!indexHtml || !screenshot) throw new Error('usage: integration_report_page_test.js INDEX_HTML SCREENSHOT_PNG');
  if (!fs.existsSync(indexHtml)) throw new Error(`${indexHtml} does not exist (run the integration_runner test first)`);
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const outside = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) outside.push(request.url());
    });
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path.resolve(indexHtml)).href, { waitUntil: 'load' });

    const verdict = await page.$eval('#verdict', (el) => ({ cls: el.className, text: el.textContent }));
    assert.strictEqual(verdict.cls, 'failed', 'the header shows the failed run');
    assert.match(verdict.text, /Success rate 50\.0%/);
    assert.match(verdict.text, /flow\.product_purchase has no passing test/);

    const categories = await page.$$eval('#categories tr.category', (rows) =>
      rows.map((row) => ({ name: row.dataset.category, status: row.querySelector('.badge').textContent,
                           visible: row.getBoundingClientRect().height > 0 })));
    assert.deepStrictEqual(categories.map((c) => [c.name, c.status]), [
      ['user_flows', 'PASSED'], ['payment_integration', 'FAILED'], ['external_services', 'TIMEOUT'],
      ['async_processes', 'PASSED']]);
    assert.ok(categories.every((c) => c.visible), 'category rows render');

    const failures = await page.$$eval('#failures .test-failure', (blocks) =>
      blocks.map((b) => ({ test: b.dataset.test, message: b.querySelector('.message').textContent })));
    const cdek = failures.find((f) => f.test === 'fake_failing_payments/ships_with_cdek');
    assert.ok(cdek, 'the failing test is listed');
    assert.ok(cdek.message.includes('payment mock answered 500 <Internal & "Server" Error>'),
              'its message renders as text: ' + cdek.message);
    assert.ok(failures.some((f) => f.test === 'fake_hanging_async/waits_forever'), 'the timed-out test is listed');
    const timeoutNote = await page.$eval('#failures .category-failure[data-category="external_services"]',
                                         (el) => el.textContent);
    assert.match(timeoutNote, /TIMEOUT/);

    const cells = await page.$$eval('#matrix .matrix-cell', (nodes) => nodes.map((n) => ({
      point: n.dataset.point, status: n.dataset.status, colour: getComputedStyle(n).backgroundColor,
      width: n.getBoundingClientRect().width })));
    const byPoint = Object.fromEntries(cells.map((c) => [c.point, c]));
    assert.strictEqual(cells.length, 7, 'one cell per matrix point');
    assert.strictEqual(byPoint['service.stripe'].status, 'passed');
    assert.strictEqual(byPoint['service.cdek'].status, 'failed');
    assert.strictEqual(byPoint['flow.inventory_sync'].status, 'failed');
    assert.notStrictEqual(byPoint['service.stripe'].colour, byPoint['service.cdek'].colour,
                          'passed and failed cells are coloured differently');
    assert.ok(cells.every((c) => c.width > 50), 'the grid lays out its cells');
    const groups = await page.$$eval('#matrix .matrix-group', (nodes) => nodes.map((n) => n.dataset.group));
    assert.deepStrictEqual(groups, ['internal_modules', 'external_services', 'data_flows']);

    // The tests table's filter: "failing" leaves only failed, error and timed-out rows visible.
    await page.click('.filters button[data-filter="failing"]');
    const shown = await page.$$eval('#tests tbody tr', (rows) =>
      rows.filter((r) => r.style.display !== 'none').map((r) => r.dataset.status));
    assert.ok(shown.length === 3 && shown.every((s) => ['failed', 'error', 'timed_out'].includes(s)),
              'the failing filter: ' + shown);
    await page.click('.filters button[data-filter="all"]');

    assert.deepStrictEqual(errors, [], 'no script errors');
    assert.deepStrictEqual(outside, [], 'nothing loaded from outside the file');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`index.html renders: ${categories.length} categories, ${failures.length} failures, ` +
                `${cells.length} matrix cells; screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
