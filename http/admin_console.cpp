#include "http/admin_console.hpp"

namespace commerce::http {

const std::string& admin_console_html() {
  static const std::string page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>commerce admin console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f5f7; }
  header { background: #1d2330; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  main { padding: 12px 16px; display: grid; grid-template-columns: minmax(320px, 1fr) 2fr; gap: 12px; }
  section { background: #fff; border: 1px solid #d8dbe2; border-radius: 6px; padding: 10px 12px; }
  section h2 { font-size: 14px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eceef2; }
  th { background: #f7f8fa; }
  .tree ul { list-style: none; padding-left: 16px; margin: 2px 0; }
  .tree > ul { padding-left: 0; }
  .toggle { cursor: pointer; user-select: none; font-weight: 600; }
  .toggle::before { content: "\25B8 "; }
  .open > .toggle::before { content: "\25BE "; }
  .muted { color: #6b7280; }
  .bad { color: #b42318; font-weight: 600; }
  .good { color: #067647; }
  button { font: inherit; padding: 2px 8px; cursor: pointer; }
  #login { max-width: 420px; margin: 48px auto; }
  #login input { width: 100%; box-sizing: border-box; margin: 4px 0 8px; padding: 6px; }
  .charts { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 12px; grid-column: 1 / -1; }
  svg { width: 100%; height: 140px; background: #fafbfc; border: 1px solid #eceef2; }
  #error { color: #b42318; }
  .wide { grid-column: 1 / -1; }
</style>
</head>
<body>
<header><h1>commerce admin console</h1>
  <label><input type="checkbox" id="live" checked> live refresh</label>
  <span id="status" class="muted"></span>
  <button id="logout" hidden>log out</button>
</header>
<div id="error" role="alert"></div>

<section id="login">
  <h2>Staff sign-in</h2>
  <label>E-mail <input id="login-email" type="email" autocomplete="username"></label>
  <label>Password <input id="login-password" type="password" autocomplete="current-password"></label>
  <button id="login-button">Sign in</button>
  <p class="muted">or paste an access token</p>
  <label>Token <input id="login-token" type="password"></label>
  <button id="token-button">Use token</button>
</section>

<main id="console" hidden>
  <section class="tree" id="tree-section"><h2>Supervision tree</h2><div id="tree"></div></section>
  <section id="children-section"><h2 id="children-title">Children</h2>
    <p class="muted" id="children-hint">Expand a supervisor to list its live children.</p>
    <table id="children"><thead><tr><th>actor</th><th>kind</th><th>entity</th><th>mailbox</th><th>messages</th>
      <th>last activity</th><th>restarts</th><th>state</th><th></th></tr></thead><tbody></tbody></table>
    <button id="more" hidden>next page</button>
  </section>
  <div class="charts">
    <section><h2>Mailbox sizes (listed children)</h2><svg id="chart-mailbox" viewBox="0 0 300 140" preserveAspectRatio="none"></svg></section>
    <section><h2>Request rate (req/s)</h2><svg id="chart-requests" viewBox="0 0 300 140" preserveAspectRatio="none"></svg></section>
    <section><h2>Gateway latency p50 / p90 / p99 (ms)</h2><svg id="chart-latency" viewBox="0 0 300 140" preserveAspectRatio="none"></svg></section>
  </div>
  <section class="wide"><h2>Gateways</h2>
    <table id="gateways"><thead><tr><th>kind</th><th>provider</th><th>breaker</th><th>calls</th><th>errors</th>
      <th>p50</th><th>p90</th><th>p99</th><th>last error</th><th></th></tr></thead><tbody></tbody></table></section>
  <section class="wide"><h2>Jobs</h2><div id="jobs-summary"></div>
    <table id="beat"><thead><tr><th>beat entry</th><th>job</th><th>schedule</th><th>last run</th><th>next run</th></tr></thead><tbody></tbody></table>
    <h2>Recent failures</h2>
    <table id="failures"><thead><tr><th>task</th><th>type</th><th>status</th><th>attempts</th><th>error</th><th>at</th><th></th></tr></thead><tbody></tbody></table>
  </section>
</main>

<script>
"use strict";
const state = { token: sessionStorage.getItem("admin_token") || "", open: null, cursor: null,
                requests: [], lastTotal: null, lastAt: null, timer: null };
const $ = (sel) => document.querySelector(sel);
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}
function showError(msg) { $("#error").textContent = msg || ""; }

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
  if (r.status === 401 || r.status === 403) { logout(r.status === 403 ? "This account is not staff." : "Please sign in."); throw new Error("auth"); }
  if (!r.ok) throw new Error((data && (data.detail || data.message)) || ("HTTP " + r.status));
  return data;
}

function logout(msg) {
  state.token = ""; sessionStorage.removeItem("admin_token");
  $("#console").hidden = true; $("#login").hidden = false; $("#logout").hidden = true;
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  showError(msg || "");
}

async function start() {
  $("#login").hidden = true; $("#console").hidden = false; $("#logout").hidden = false;
  showError("");
  await refresh();
  if (!state.timer) state.timer = setInterval(() => { if ($("#live").checked) refresh().catch(() => {}); }, 2000);
}

$("#login-button").addEventListener("click", async () => {
  try {
    const r = await fetch("/api/auth/login/", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: $("#login-email").value, password: $("#login-password").value }) });
    const data = await r.json();
    if (!r.ok) { showError(data.detail || data.message || "sign-in failed"); return; }
    state.token = data.access; sessionStorage.setItem("admin_token", state.token);
    await start();
  } catch (e) { if (e.message !== "auth") showError(e.message); }
});
$("#token-button").addEventListener("click", () => {
  state.token = $("#login-token").value.trim(); sessionStorage.setItem("admin_token", state.token);
  start().catch((e) => { if (e.message !== "auth") showError(e.message); });
});
$("#logout").addEventListener("click", () => logout(""));
$("#more").addEventListener("click", () => loadChildren(state.open, state.cursor).catch((e) => showError(e.message)));

async function refresh() {
  const [tree, jobs] = await Promise.all([api("GET", "/admin/api/tree/"), api("GET", "/admin/api/jobs/").catch(() => null)]);
  renderTree(tree);
  renderGateways(tree.gateways);
  if (jobs) renderJobs(jobs);
  trackRequests(tree.requests.total);
  if (state.open) await loadChildren(state.open, null, true);
  $("#status").textContent = "updated " + new Date().toLocaleTimeString();
}

function renderTree(tree) {
  const root = el("ul");
  const sups = el("li", { class: "open" }, el("span", { class: "toggle" }, "domain supervisors"));
  const list = el("ul");
  for (const s of tree.supervisors) {
    const li = el("li", { class: "sup" + (state.open === s.name ? " open" : ""), "data-name": s.name },
      el("span", { class: "toggle", onclick: () => toggle(s.name) }, s.name),
      " ", el("span", { class: "muted" }, `${s.active} live · ${s.crashes} crashes · restart budget ${s.restart_budget}/${s.max_restarts} per ${s.window_seconds}s`));
    list.append(li);
  }
  sups.append(list); root.append(sups);
  const gw = el("li", { class: "open" }, el("span", { class: "toggle" }, "integration actors"));
  const gl = el("ul");
  for (const g of tree.gateways)
    gl.append(el("li", {}, `${g.kind} (${g.provider}) `, el("span", { class: g.breaker === "open" ? "bad" : "good" }, "breaker " + g.breaker)));
  gw.append(gl); root.append(gw);
  root.append(el("li", {}, `per-request actors: ${tree.requests.in_flight} in flight (${tree.requests.total} requests so far)`));
  root.append(el("li", {}, `running actors on this node: ${tree.running_actors}`));
  $("#tree").replaceChildren(root);
}

async function toggle(name) {
  state.open = state.open === name ? null : name;
  document.querySelectorAll(".sup").forEach((li) => li.classList.toggle("open", li.dataset.name === state.open));
  if (state.open) await loadChildren(state.open, null).catch((e) => showError(e.message));
  else { $("#children tbody").replaceChildren(); $("#children-title").textContent = "Children"; drawBars("#chart-mailbox", [], []); }
}

async function loadChildren(name, cursor, quiet) {
  const q = new URLSearchParams({ supervisor: name, limit: "50", probe: "1" });
  if (cursor) q.set("cursor", cursor);
  const page = await api("GET", "/admin/api/actors/?" + q.toString());
  state.cursor = page.next_cursor;
  $("#more").hidden = !page.next_cursor;
  $("#children-title").textContent = `Children of ${name}`;
  $("#children-hint").hidden = true;
  const rows = page.actors.map((a) => el("tr", { "data-actor-id": a.id, "data-entity-id": a.entity_id },
    el("td", {}, a.id), el("td", {}, a.kind), el("td", {}, a.entity_id),
    el("td", {}, a.mailbox_size == null ? "?" : a.mailbox_size), el("td", {}, a.messages_routed),
    el("td", {}, a.last_activity_at), el("td", {}, a.restarts), el("td", {}, a.state || ""),
    el("td", {}, el("button", { class: "passivate", onclick: () => passivate(a.id) }, "passivate"))));
  $("#children tbody").replaceChildren(...rows);
  drawBars("#chart-mailbox", page.actors.map((a) => a.kind + " " + a.entity_id), page.actors.map((a) => a.mailbox_size || 0));
}

async function passivate(id) {
  try {
    await api("POST", `/admin/api/actors/${id}/passivate/`, {});
    const row = document.querySelector(`tr[data-actor-id="${id}"]`);
    if (row) row.remove();
    showError("");
    $("#status").textContent = `actor ${id} passivated`;
  } catch (e) { if (e.message !== "auth") showError(e.message); }
}

function renderGateways(gateways) {
  const rows = gateways.map((g) => el("tr", { "data-kind": g.kind },
    el("td", {}, g.kind), el("td", {}, g.provider),
    el("td", { class: g.breaker === "open" ? "bad" : "good" }, g.breaker),
    el("td", {}, g.calls), el("td", {}, g.errors), el("td", {}, g.latency_ms.p50), el("td", {}, g.latency_ms.p90),
    el("td", {}, g.latency_ms.p99), el("td", {}, g.last_error || ""),
    el("td", {}, el("button", { onclick: () => breaker(g.kind, g.breaker === "open" ? "reset" : "trip") },
                    g.breaker === "open" ? "reset" : "trip"))));
  $("#gateways tbody").replaceChildren(...rows);
  drawGrouped("#chart-latency", gateways.map((g) => g.kind), gateways.map((g) => [g.latency_ms.p50, g.latency_ms.p90, g.latency_ms.p99]));
}

async function breaker(kind, action) {
  try { await api("POST", `/admin/api/gateways/${kind}/breaker/`, { action }); await refresh(); }
  catch (e) { if (e.message !== "auth") showError(e.message); }
}

function renderJobs(j) {
  $("#jobs-summary").textContent = `${j.backend} queue: ${j.queue.waiting} waiting, ${j.queue.running} running, ` +
    `${j.queue.delayed} delayed, ${j.queue.dead_letters} dead letters · consumers: ` +
    (j.pending_by_consumer.map((c) => `${c.consumer}=${c.pending}`).join(", ") || "none holding jobs") +
    ` · beat leader: ${j.beat.leader || (j.beat.this_node_leads ? "this node" : "unknown")}`;
  $("#beat tbody").replaceChildren(...j.beat.schedule.map((b) => el("tr", {}, el("td", {}, b.name), el("td", {}, b.job_type),
    el("td", {}, b.schedule), el("td", {}, b.last_run_at || ""), el("td", {}, b.next_run_at))));
  $("#failures tbody").replaceChildren(...j.recent_failures.map((t) => el("tr", {}, el("td", {}, t.task_id), el("td", {}, t.type),
    el("td", {}, t.status), el("td", {}, t.attempts), el("td", {}, t.error), el("td", {}, t.at),
    el("td", {}, t.dead_letter ? el("button", { onclick: () => retry(t.task_id) }, "retry") : ""))));
}

async function retry(id) {
  try { await api("POST", `/admin/api/jobs/${id}/retry/`, {}); await refresh(); }
  catch (e) { if (e.message !== "auth") showError(e.message); }
}

function trackRequests(total) {
  const now = Date.now();
  if (state.lastTotal != null && now > state.lastAt)
    state.requests.push(Math.max(0, (total - state.lastTotal) * 1000 / (now - state.lastAt)));
  state.lastTotal = total; state.lastAt = now;
  if (state.requests.length > 60) state.requests.shift();
  drawLine("#chart-requests", state.requests);
}

const NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
function drawBars(sel, labels, values) {
  const svg = $(sel); svg.replaceChildren();
  const max = Math.max(1, ...values); const w = 300 / Math.max(1, values.length);
  values.forEach((v, i) => {
    const h = (v / max) * 120;
    const r = svgEl("rect", { x: i * w + 1, y: 130 - h, width: Math.max(1, w - 2), height: Math.max(h, 0.5), fill: "#3b82f6" });
    r.append(svgEl("title", {}, `${labels[i]}: ${v}`)); svg.append(r);
  });
  svg.append(svgEl("text", { x: 4, y: 12, "font-size": 10, fill: "#6b7280" }, "max " + max));
}
function drawLine(sel, values) {
  const svg = $(sel); svg.replaceChildren();
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * 300},${130 - (v / max) * 120}`).join(" ");
  svg.append(svgEl("polyline", { points: pts, fill: "none", stroke: "#10b981", "stroke-width": 2 }));
  svg.append(svgEl("text", { x: 4, y: 12, "font-size": 10, fill: "#6b7280" },
    "now " + (values.length ? values[values.length - 1].toFixed(1) : "0") + " · max " + max.toFixed(1)));
}
function drawGrouped(sel, labels, groups) {
  const svg = $(sel); svg.replaceChildren();
  const max = Math.max(1, ...groups.flat()); const gw = 300 / Math.max(1, groups.length);
  const colors = ["#60a5fa", "#f59e0b", "#ef4444"];
  groups.forEach((g, i) => {
    g.forEach((v, k) => {
      const h = (v / max) * 110;
      const r = svgEl("rect", { x: i * gw + 4 + k * (gw - 8) / 3, y: 125 - h, width: Math.max(1, (gw - 8) / 3 - 1), height: Math.max(h, 0.5), fill: colors[k] });
      r.append(svgEl("title", {}, `${labels[i]} ${["p50", "p90", "p99"][k]}: ${v} ms`)); svg.append(r);
    });
    svg.append(svgEl("text", { x: i * gw + 4, y: 138, "font-size": 9, fill: "#374151" }, labels[i]));
  });
  svg.append(svgEl("text", { x: 4, y: 12, "font-size": 10, fill: "#6b7280" }, "max " + max + " ms"));
}

if (state.token) start().catch((e) => { if (e.message !== "auth") showError(e.message); });
</script>
</body>
</html>
)html";
  return page;
}

}  // namespace commerce::http
