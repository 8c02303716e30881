// The admin console (/admin/) in headless Chromium (Debian's /usr/bin/chromium through
// puppeteer-core, which downloads no browser): sign in as staff, open the tree, expand the carts
// supervisor, find a known cart's actor, passivate it, see it gone (in the page, after the next
// live refresh, and from the API), and save a screenshot.
//
// Run by the http suite (tests/http/admin_console_browser_test.cpp) with:
//   ADMIN_CONSOLE_URL  the server's base URL
//   ADMIN_EMAIL, ADMIN_PASSWORD  a staff account
//   TARGET_CART_USER   the user id of a live cart
//   SCREENSHOT         where to save the screenshot (PNG)
// Exit status 0 when every step held; otherwise 1 with the failed step on stderr.
"use strict";

const puppeteer = require("puppeteer-core");

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
}

async function main() {
  const base = required("ADMIN_CONSOLE_URL").replace(/\/+$/, "");
  const email = required("ADMIN_EMAIL");
  const password = required("ADMIN_PASSWORD");
  const cartUser = required("TARGET_CART_USER");
  const screenshot = required("SCREENSHOT");
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    const external = [];
    page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) external.push(r.url()); });

    await page.goto(base + "/admin/", { waitUntil: "load" });
    check(await page.$eval("#login", (e) => !e.hidden), "the sign-in form shows first");
    await page.type("#login-email", email);
    await page.type("#login-password", password);
    await page.click("#login-button");
    await page.waitForSelector('#tree .sup[data-name="carts"]', { visible: true, timeout: 10000 });
    check(await page.$eval("#console", (e) => !e.hidden), "the console shows after sign-in");

    const supervisors = await page.$$eval("#tree .sup", (els) => els.map((e) => e.dataset.name));
    for (const name of ["users", "products", "carts", "orders"])
      check(supervisors.includes(name), `supervisor ${name} in the tree (${supervisors})`);
    await page.waitForSelector("#gateways tbody tr", { timeout: 10000 });

    // Expand the carts supervisor; page on until the known cart shows.
    await page.click('#tree .sup[data-name="carts"] > .toggle');
    await page.waitForFunction(() => document.querySelector('#tree .sup[data-name="carts"]').classList.contains("open"));
    const rowSelector = `#children tr[data-entity-id="${cartUser}"]`;
    for (let i = 0; i < 200 && !(await page.$(rowSelector)); i++) {
      await page.waitForSelector("#children tbody tr", { timeout: 10000 });
      if (await page.$(rowSelector)) break;
      const more = await page.$eval("#more", (e) => !e.hidden);
      check(more, `cart of user ${cartUser} listed under carts`);
      await page.click("#more");
      await new Promise((r) => setTimeout(r, 200));
    }
    const row = await page.waitForSelector(rowSelector, { timeout: 10000 });
    const actorId = await row.evaluate((tr) => tr.dataset.actorId);
    const rowText = await row.evaluate((tr) => tr.textContent);
    check(rowText.includes("cart of user " + cartUser), "the row shows the probed state: " + rowText);
    check((await page.$$("#chart-mailbox rect")).length > 0, "the mailbox chart has bars");
    check((await page.$$("#chart-latency rect")).length > 0, "the gateway latency chart has bars");

    // Passivate it: the row goes, and stays gone after the next live refresh.
    await row.$eval("button.passivate", (b) => b.click());
    await page.waitForSelector(`#children tr[data-actor-id="${actorId}"]`, { hidden: true, timeout: 10000 });
    await page.waitForFunction((id) => document.querySelector("#status").textContent.includes(`actor ${id} passivated`),
                               { timeout: 5000 }, actorId);
    await new Promise((r) => setTimeout(r, 2500));  // a live refresh (every 2 s) re-lists the children
    check(!(await page.$(`#children tr[data-actor-id="${actorId}"]`)), "the passivated actor is not listed again");
    check((await page.$$("#children tbody tr")).length >= 0, "the children table is still there");
    check((await page.$$("#chart-requests polyline")).length === 1, "the request-rate chart is drawn");
    const status = await page.evaluate(async (id) => {
      const r = await fetch(`/admin/api/actors/${id}/`, { headers: { Authorization: "Bearer " + sessionStorage.getItem("admin_token") } });
      return r.status;
    }, actorId);
    check(status === 404, `the API no longer knows actor ${actorId} (got ${status})`);

    await page.screenshot({ path: screenshot, fullPage: true });
    check(pageErrors.length === 0, "no script errors: " + pageErrors.join("; "));
    check(external.length === 0, "no external requests: " + external.join(", "));
    console.log(`ok: passivated actor ${actorId} (cart of user ${cartUser}); screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
