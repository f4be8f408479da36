// snboot dashboard: reads the admin API with the bearer token and draws
// machines, flags, boot-time charts and the herd's progress. Every value
// from the server goes in with textContent: serials are untrusted text.
"use strict";

const HERD_WINDOW_MS = 60 * 60 * 1000; // machines seen in the last hour
const CHART_MACHINES = 200;            // boot histories fetched at most

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function token() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("snboot-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname); // keep it out of the address bar
  }
  return sessionStorage.getItem("snboot-token");
}

async function api(path) {
  const r = await fetch("/api/v1/" + path, {
    headers: { Authorization: "Bearer " + token() }, cache: "no-store" });
  if (r.status === 401 || r.status === 403) throw new Error("auth:" + (await r.text()));
  if (!r.ok) throw new Error(path + ": HTTP " + r.status + ": " + (await r.text()));
  return r.json();
}

function sparkline(values, w, h) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  svg.setAttribute("class", "boot-chart");
  if (!values.length) return svg;
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? (w - 4) / (values.length - 1) : 0;
  const pts = values.map((v, i) =>
    (2 + i * step).toFixed(1) + "," + (h - 2 - (v / max) * (h - 4)).toFixed(1));
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#1976d2");
  line.setAttribute("stroke-width", "1.5");
  svg.appendChild(line);
  const title = document.createElementNS(ns, "title");
  title.textContent = values.join(" ms, ") + " ms";
  svg.appendChild(title);
  return svg;
}

function bars(rows) { // [[label, value]]
  const ns = "http://www.w3.org/2000/svg";
  const w = 600, bh = 20, h = rows.length * (bh + 6) + 4;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  svg.setAttribute("id", "profile-bars");
  const max = Math.max(...rows.map(r => r[1]), 1);
  rows.forEach(([label, v], i) => {
    const y = 2 + i * (bh + 6);
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", 0);
    t.setAttribute("y", y + 14);
    t.textContent = label;
    svg.appendChild(t);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", 160);
    r.setAttribute("y", y);
    r.setAttribute("height", bh);
    r.setAttribute("width", Math.max(1, (v / max) * (w - 260)));
    r.setAttribute("fill", "#1976d2");
    svg.appendChild(r);
    const n = document.createElementNS(ns, "text");
    n.setAttribute("x", 165 + (v / max) * (w - 260));
    n.setAttribute("y", y + 14);
    n.textContent = Math.round(v) + " ms";
    svg.appendChild(n);
  });
  return svg;
}

function flagsCell(flags) {
  const td = el("td");
  (flags || []).forEach(f => td.appendChild(el("span", f, "flag")));
  return td;
}

async function draw() {
  const machines = await api("machines");
  const histories = {};
  await Promise.all(machines.slice(0, CHART_MACHINES).map(async m => {
    try {
      histories[m.serial] = await api("machines/" + encodeURIComponent(m.serial) + "/boots");
    } catch (e) { // e.g. a serial with '/', which admin paths cannot address
      if (String(e.message).startsWith("auth:")) throw e;
      histories[m.serial] = [];
    }
  }));

  // Herd: of the machines seen in the last hour, how many booted fully.
  const now = Date.now();
  const recent = machines.filter(m => m.last_seen && now - Date.parse(m.last_seen) < HERD_WINDOW_MS);
  const done = recent.filter(m => {
    const h = histories[m.serial] || [];
    const last = h[h.length - 1];
    return last && last.stages && ("kexec" in last.stages || "local" in last.stages);
  });
  document.getElementById("herd-text").textContent =
    done.length + " of " + recent.length + " machines seen in the last hour have booted (" +
    machines.length + " known)";
  document.getElementById("herd-fill").style.width =
    (recent.length ? (100 * done.length / recent.length) : 0) + "%";

  const flagged = document.querySelector("#flagged tbody");
  flagged.replaceChildren();
  machines.filter(m => m.flags && m.flags.length).forEach(m => {
    const tr = el("tr");
    tr.appendChild(el("td", m.serial));
    tr.appendChild(flagsCell(m.flags));
    tr.appendChild(el("td", m.last_boot_ms === null ? "-" : m.last_boot_ms + " ms"));
    tr.appendChild(el("td", m.last_seen || "-"));
    flagged.appendChild(tr);
  });
  if (!flagged.children.length) {
    const tr = el("tr");
    tr.appendChild(el("td", "none", "ok"));
    flagged.appendChild(tr);
  }

  const perProfile = {};
  machines.forEach(m => {
    if (m.profile && m.last_boot_ms !== null) (perProfile[m.profile] ||= []).push(m.last_boot_ms);
  });
  const rows = Object.keys(perProfile).sort().map(p =>
    [p, perProfile[p].reduce((a, b) => a + b, 0) / perProfile[p].length]);
  const chart = document.getElementById("profiles-chart");
  chart.replaceChildren(rows.length ? bars(rows) : el("span", "no boots yet", "muted"));

  const tbody = document.querySelector("#machines tbody");
  tbody.replaceChildren();
  machines.forEach(m => {
    const h = histories[m.serial] || [];
    const last = h[h.length - 1];
    const tr = el("tr");
    tr.dataset.serial = m.serial;
    tr.appendChild(el("td", m.serial));
    tr.appendChild(el("td", m.action));
    tr.appendChild(el("td", m.profile || "-"));
    tr.appendChild(el("td", m.policy || "-"));
    tr.appendChild(el("td", (m.addresses || []).join(" ") || "-"));
    tr.appendChild(el("td", m.last_seen || "-"));
    tr.appendChild(el("td", m.last_boot_ms === null ? "-" : m.last_boot_ms + " ms"));
    tr.appendChild(el("td", last && last.stages ?
      Object.entries(last.stages).map(([k, v]) => k + " " + v).join(", ") : "-"));
    const chartTd = el("td");
    chartTd.appendChild(sparkline(h.filter(b => b.ms !== null).map(b => b.ms), 120, 24));
    tr.appendChild(chartTd);
    tr.appendChild(flagsCell(m.flags));
    tbody.appendChild(tr);
  });
  document.getElementById("status").textContent =
    "updated " + new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

async function refresh() {
  if (!token()) {
    document.getElementById("login").hidden = false;
    document.getElementById("status").textContent = "the admin token is needed";
    return;
  }
  try {
    await draw();
    document.getElementById("error").textContent = "";
  } catch (e) {
    if (String(e.message).startsWith("auth:")) {
      sessionStorage.removeItem("snboot-token");
      document.getElementById("login").hidden = false;
    }
    document.getElementById("error").textContent = String(e.message).replace(/^auth:/, "");
  }
}

document.getElementById("login").addEventListener("submit", ev => {
  ev.preventDefault();
  sessionStorage.setItem("snboot-token", document.getElementById("token").value);
  document.getElementById("login").hidden = true;
  refresh();
});
refresh();
setInterval(refresh, 10000);
