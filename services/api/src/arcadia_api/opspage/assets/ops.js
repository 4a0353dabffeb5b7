// The operators' status page: plain JavaScript over the gateway's JSON APIs (the same ones the
// `arcadia` CLI's reports are built from). The token lives in sessionStorage only: it is gone
// when the tab closes, and it is sent to this origin only, as a bearer token.
"use strict";

const KEY = "arcadia-ops-token";
const LIMIT = 500;
// Stuck (running past its deadline) and compensating first, then the other open or failed ones.
const ORDER = ["stuck", "compensating", "compensation_failed", "running", "compensated", "completed"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children.flat()) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function table(headers, rows, attrs) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", h === "count" ? { class: "count" } : {}, h)))),
    el("tbody", {}, rows));
}

function badge(text, cls) { return el("span", { class: `badge ${cls || text}` }, text); }

function age(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

async function api(path, token) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const why = (body && (body.detail || body.title)) || response.statusText;
    throw new Error(`${path}: ${response.status} ${why}`);
  }
  return body;
}

function shown(id, ...nodes) { document.getElementById(id).replaceChildren(...nodes); }

function failed(id, error) { shown(id, el("p", { class: "error" }, error.message)); }

function sagaState(saga, now) {
  return saga.status === "running" && Date.parse(saga.deadline_at) < now ? "stuck" : saga.status;
}

// The newest sagas, plus every open or failed one asked by status: a busy fleet's newest
// `LIMIT` may not reach a saga stuck since yesterday, and those are the ones that matter here.
async function sagas(token) {
  const lists = await Promise.all([null, "running", "compensating", "compensation_failed"].map(
    (status) => api(`/api/v1/sagas?limit=${LIMIT}${status ? `&status=${status}` : ""}`, token)));
  const byId = new Map();
  for (const list of lists) for (const saga of list.items) byId.set(saga.id, saga);
  return { items: [...byId.values()], capped: lists.some((l) => l.items.length >= LIMIT) };
}

function renderSagas(list) {
  const now = Date.now();
  const counts = {};
  for (const saga of list.items) counts[saga.status] = (counts[saga.status] || 0) + 1;
  const stuck = list.items.filter((s) => sagaState(s, now) === "stuck").length;
  const statuses = ORDER.filter((s) => s !== "stuck");
  const rows = [
    el("tr", { "data-status": "stuck" }, el("td", {}, badge("stuck"), " (running past its deadline)"),
      el("td", { class: "count" }, stuck)),
    ...statuses.map((s) => el("tr", { "data-status": s }, el("td", {}, badge(s)),
      el("td", { class: "count" }, counts[s] || 0))),
  ];
  const more = list.capped
    ? el("p", { class: "muted" }, `capped: the newest ${LIMIT}, and up to ${LIMIT} per open status`)
    : "";
  shown("saga-counts", table(["status", "count"], rows, { id: "saga-count-table" }), more);
  const rank = (s) => ORDER.indexOf(sagaState(s, now));
  const sorted = [...list.items].sort((a, b) => rank(a) - rank(b));
  const sagaRows = sorted.map((s) => el("tr", { "data-saga": s.id },
    el("td", {}, badge(sagaState(s, now))),
    el("td", {}, el("code", {}, s.id.slice(0, 8)), " ", s.kind),
    el("td", {}, s.tenant_id),
    el("td", { class: "steps" }, s.steps.map((st) => el("span", { title: st.last_error || "" },
      badge(`${st.step}`, st.status)))),
    el("td", {}, s.failed_step ? `${s.failed_step}: ${s.reason || ""}` : (s.reason || ""))));
  shown("sagas", sagaRows.length
    ? table(["status", "saga", "tenant", "steps", "reason"], sagaRows, { id: "saga-table" })
    : el("p", { class: "muted" }, "no saga"));
}

function renderDlq(dlq) {
  const rows = dlq.counts.map((c) => el("tr", {}, el("td", {}, el("code", {}, c.topic)),
    el("td", {}, c.reason), el("td", { class: "count" }, c.count)));
  const note = dlq.complete ? "" : el("p", { class: "muted" },
    `counted ${dlq.read} of ${dlq.total} (bounded); arcadia dlq list reads them all`);
  shown("dlq",
    el("p", {}, "entries: ", el("strong", { id: "dlq-total" }, dlq.total)),
    rows.length ? table(["topic", "reason", "count"], rows, { id: "dlq-table" }) : "",
    note);
}

function renderAudit(report) {
  const findings = report.findings.map((f) => el("tr", {}, el("td", {}, badge(f.kind, "bad")),
    el("td", {}, f.detail), el("td", {}, el("code", {}, f.fix))));
  shown("audit",
    el("p", {}, badge(report.clean ? "clean" : "findings", report.clean ? "good" : "bad"),
      ` ${report.deployments} deployments checked at ${report.checked_at}; findings: `,
      el("strong", { id: "audit-findings" }, report.findings.length)),
    findings.length ? table(["kind", "detail", "fix"], findings) : "");
  const lag = Object.fromEntries(report.lag.map((g) => [g.service, g]));
  const rows = report.backlog.map((b) => {
    const group = lag[b.service];
    return el("tr", { "data-service": b.service }, el("td", {}, b.service),
      el("td", { class: "count lag" }, group ? group.lag : "—"),
      el("td", {}, group ? `${group.state}, ${group.members} member(s)` : "—"),
      el("td", { class: "count unsent" }, b.unsent),
      el("td", { class: "count" }, age(b.oldest_unsent_age)),
      el("td", { class: "count parked" }, b.parked));
  });
  shown("services", table(["service", "lag", "group", "outbox unsent", "oldest", "parked"],
    rows, { id: "service-table" }));
}

function renderDrift(page) {
  const rows = page.items.map((f) => el("tr", {}, el("td", {}, badge(f.kind, "warn")),
    el("td", {}, `${f.subject_kind} ${f.subject}`),
    el("td", {}, f.field ? `${f.field}: ${f.expected} → ${f.actual}` : ""),
    el("td", {}, f.first_seen)));
  shown("drift",
    el("p", {}, "open: ", el("strong", { id: "drift-open" },
      page.next_cursor ? `${page.items.length}+` : page.items.length)),
    rows.length ? table(["kind", "subject", "difference", "first seen"], rows) : "");
}

async function load() {
  const token = sessionStorage.getItem(KEY);
  const status = document.getElementById("status");
  if (!token) { status.textContent = "Paste an operator token."; return; }
  status.textContent = "Loading…";
  const parts = [
    ["saga-counts", null, renderSagas],
    ["dlq", "/api/v1/ops/dlq", renderDlq],
    ["audit", "/api/v1/ops/audit", renderAudit],
    ["drift", `/api/v1/drift?status=open&limit=${LIMIT}`, renderDrift],
  ];
  const results = await Promise.allSettled(parts.map(async ([id, path, render]) => {
    try {
      render(path === null ? await sagas(token) : await api(path, token));
    } catch (error) { failed(id, error); throw error; }
  }));
  const bad = results.filter((r) => r.status === "rejected").length;
  status.textContent = bad ? `Loaded with ${bad} error(s) at ${new Date().toISOString()}`
    : `Loaded at ${new Date().toISOString()}`;
  document.body.dataset.loaded = "true";
}

document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("token");
  const token = input.value.trim().replace(/^Bearer\s+/i, "");
  if (token) sessionStorage.setItem(KEY, token);
  input.value = "";
  delete document.body.dataset.loaded;
  load();
});
document.getElementById("forget").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});
load();
