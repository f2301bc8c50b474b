// GT dashboard: plain JavaScript, no build step. Polls /api/state once a second while logged in.
'use strict';

const $ = (sel) => document.querySelector(sel);
let csrf = null;
let kind = null;
let timer = null;
let last = null; // {t, in, out} of the previous poll
const history = []; // [{in, out}] bytes per second, newest last
const HISTORY = 120;

function text(el, value) { el.textContent = value; }

function bytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[i];
}

function duration(seconds) {
  if (seconds < 60) return Math.round(seconds) + 's';
  if (seconds < 3600) return Math.floor(seconds / 60) + 'm' + Math.round(seconds % 60) + 's';
  return Math.floor(seconds / 3600) + 'h' + Math.floor((seconds % 3600) / 60) + 'm';
}

function cell(row, value, cls) {
  const td = document.createElement('td');
  td.textContent = value;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf && (options.method || 'GET') !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, Object.assign({}, options, { headers, credentials: 'same-origin' }));
  let body = {};
  try { body = await res.json(); } catch (e) { body = {}; }
  return { status: res.status, body };
}

function showLogin(message) {
  stopPolling();
  csrf = null;
  $('#nav').hidden = true;
  document.querySelectorAll('.page').forEach((p) => { p.hidden = true; });
  $('#login').hidden = false;
  text($('#login-error'), message || '');
}

function showPage(name) {
  if (!csrf) return;
  document.querySelectorAll('.page').forEach((p) => { p.hidden = p.id !== 'page-' + name; });
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === name));
  if (name === 'config') loadConfig();
}

function loggedIn(session) {
  csrf = session.csrf;
  kind = session.kind;
  document.body.className = 'kind-' + kind;
  text($('#kind'), kind);
  text($('#version'), session.version);
  $('#login').hidden = true;
  $('#nav').hidden = false;
  showPage((location.hash || '#home').substring(1) || 'home');
  startPolling();
}

function startPolling() {
  stopPolling();
  poll();
  timer = setInterval(poll, 1000);
}

function stopPolling() {
  if (timer) clearInterval(timer);
  timer = null;
}

async function poll() {
  const r = await api('/api/state');
  if (r.status === 401) { showLogin('Your session has ended; log in again.'); return; }
  if (r.status !== 200) return;
  render(r.body);
}

function render(s) {
  const c = s.counters || {};
  const now = performance.now() / 1000;
  const tunnels = kind === 'server' ? (s.clients || []).reduce((n, x) => n + x.tunnels.length, 0) : (s.tunnels || []).length;
  if (kind === 'server') {
    text($('#clients-count'), (s.clients || []).length);
    text($('#rejected-count'), c.tunnelsRejected);
  }
  text($('#tunnels-count'), tunnels);
  text($('#streams-count'), c.openStreams);
  text($('#bytes-in'), bytes(c.bytesFromVisitors));
  text($('#bytes-out'), bytes(c.bytesToVisitors));
  if (last) {
    const dt = Math.max(0.001, now - last.t);
    history.push({ in: Math.max(0, (c.bytesFromVisitors - last.in) / dt), out: Math.max(0, (c.bytesToVisitors - last.out) / dt) });
    while (history.length > HISTORY) history.shift();
    const h = history[history.length - 1];
    text($('#rate'), 'now: ' + bytes(Math.round(h.in)) + '/s in, ' + bytes(Math.round(h.out)) + '/s out');
  }
  last = { t: now, in: c.bytesFromVisitors, out: c.bytesToVisitors };
  drawChart();
  if (kind === 'server') {
    renderClients(s);
    renderBans(s.bans);
  } else {
    renderTunnels(s);
  }
}

function drawChart() {
  const canvas = $('#traffic-chart');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 30;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1024, ...history.map((p) => Math.max(p.in, p.out)));
  ctx.strokeStyle = '#dfe3ea';
  ctx.fillStyle = '#687083';
  ctx.font = '11px system-ui, sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = pad / 2 + (h - pad) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad + 40, y); ctx.lineTo(w - 5, y); ctx.stroke();
    ctx.fillText(bytes(Math.round(max * (4 - i) / 4)) + '/s', 2, y + 4);
  }
  const line = (key, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    history.forEach((p, i) => {
      const x = pad + 40 + (w - pad - 45) * (i + HISTORY - history.length) / (HISTORY - 1);
      const y = pad / 2 + (h - pad) * (1 - p[key] / max);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  };
  line('in', '#2f6fdb');
  line('out', '#1aa36f');
  canvas.dataset.points = String(history.length);
  canvas.dataset.max = String(Math.round(max));
}

function renderClients(s) {
  const body = $('#clients-table tbody');
  body.replaceChildren();
  const streams = $('#streams-table tbody');
  streams.replaceChildren();
  (s.clients || []).forEach((cl) => {
    const row = document.createElement('tr');
    row.dataset.id = cl.id;
    cell(row, cl.id);
    const routes = cl.hosts.map((x) => 'http(s) ' + x).concat(cl.tcpPorts.map((p) => 'tcp :' + p));
    cell(row, routes.join(', ') || '–');
    cell(row, cl.tunnels.map((t) => '#' + t.tunnel + ' ' + t.transport + ' ' + (t.rttMillis === null ? '?' : t.rttMillis.toFixed(1) + 'ms') + ' ' + duration(t.ageSeconds)).join('; '));
    cell(row, cl.tunnels.reduce((n, t) => n + t.streams, 0));
    cell(row, bytes(cl.bytesFromVisitors) + ' / ' + bytes(cl.bytesToVisitors));
    const l = cl.limits;
    cell(row, 'speed ' + (l.speed ? bytes(l.speed) + '/s' : '∞') + ', tunnels ' + l.connections + ', tcp ' + (l.tcpNumber || '∞') + ', hosts ' + (l.hostNumber || '∞'));
    body.appendChild(row);
    cl.tunnels.forEach((t) => (t.openStreams || []).forEach((st) => {
      const r = document.createElement('tr');
      cell(r, cl.id);
      cell(r, st.route);
      cell(r, st.peer || '');
      cell(r, bytes(st.bytesFromPeer) + ' / ' + bytes(st.bytesToPeer));
      cell(r, duration(st.ageSeconds));
      streams.appendChild(r);
    }));
  });
  $('#no-clients').hidden = (s.clients || []).length > 0;
}

function renderBans(b) {
  if (!b) return;
  text($('#bans-summary'), b.bannedAddresses + ' address(es) and ' + b.bannedPrefixes + ' prefix(es) banned now; ' + b.bansImposed + ' ban(s) since the start.');
  const body = $('#bans-table tbody');
  body.replaceChildren();
  b.banned.forEach((ban) => {
    const row = document.createElement('tr');
    cell(row, ban.address);
    cell(row, duration(ban.remainingSeconds));
    body.appendChild(row);
  });
}

function renderTunnels(s) {
  const body = $('#tunnels-table tbody');
  body.replaceChildren();
  (s.tunnels || []).forEach((t) => {
    const row = document.createElement('tr');
    cell(row, t.remote);
    cell(row, '#' + t.tunnel);
    cell(row, t.transport + ' (' + t.ioEngine + ')');
    cell(row, t.rttMillis === null ? '?' : t.rttMillis.toFixed(1) + ' ms');
    cell(row, duration(t.ageSeconds));
    cell(row, t.streams);
    body.appendChild(row);
  });
  const services = $('#services-table tbody');
  services.replaceChildren();
  const registered = new Map((s.services || []).map((x) => [x.index, x]));
  (s.configuredServices || []).forEach((sv) => {
    const row = document.createElement('tr');
    row.dataset.index = sv.index;
    cell(row, sv.index);
    cell(row, sv.kind);
    cell(row, sv.local);
    if (sv.reachable === undefined) cell(row, 'checking…');
    else cell(row, sv.reachable ? 'yes' : 'no', sv.reachable ? 'yes' : 'no');
    const r = registered.get(sv.index);
    cell(row, !r ? 'not registered yet' : !r.routed ? 'not routed by the server' : r.host ? 'host prefix ' + r.host : 'server port ' + r.tcpPort);
    services.appendChild(row);
  });
}

async function loadConfig() {
  const r = await api('/api/config');
  if (r.status === 401) { showLogin('Your session has ended; log in again.'); return; }
  if (r.status !== 200) return;
  text($('#config'), JSON.stringify(r.body, null, 2));
  const form = $('#edit-form');
  form.replaceChildren();
  (r.body.editable || []).forEach((name) => {
    const label = document.createElement('label');
    label.textContent = '-' + name;
    const input = document.createElement('input');
    input.name = name;
    input.id = 'edit-' + name;
    const v = (r.body.options || {})[name];
    input.value = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : String(v);
    input.dataset.original = input.value;
    label.appendChild(input);
    form.appendChild(label);
  });
  const button = document.createElement('button');
  button.type = 'submit';
  button.id = 'edit-apply';
  button.textContent = 'Apply';
  form.appendChild(button);
}

async function applyEdits(event) {
  event.preventDefault();
  const edits = {};
  $('#edit-form').querySelectorAll('input').forEach((i) => { if (i.value !== i.dataset.original) edits[i.name] = i.value; });
  text($('#edit-result'), '');
  text($('#edit-error'), '');
  if (Object.keys(edits).length === 0) { text($('#edit-result'), 'Nothing to change.'); return; }
  const r = await api('/api/config', { method: 'POST', body: JSON.stringify(edits) });
  if (r.status === 200) {
    text($('#edit-result'), 'Applied: ' + r.body.result);
    loadConfig();
  } else if (r.status === 401) {
    showLogin('Your session has ended; log in again.');
  } else {
    text($('#edit-error'), r.body.error || 'refused');
  }
}

async function login(event) {
  event.preventDefault();
  const r = await api('/api/login', { method: 'POST', body: JSON.stringify({ username: $('#username').value, password: $('#password').value }) });
  $('#password').value = '';
  if (r.status === 200) loggedIn(r.body);
  else text($('#login-error'), r.body.error || 'Login failed.');
}

async function logout() {
  await api('/api/logout', { method: 'POST', body: '{}' });
  showLogin('Logged out.');
}

document.addEventListener('DOMContentLoaded', async () => {
  $('#login-form').addEventListener('submit', login);
  $('#edit-form').addEventListener('submit', applyEdits);
  $('#logout').addEventListener('click', logout);
  window.addEventListener('hashchange', () => showPage(location.hash.substring(1) || 'home'));
  const r = await api('/api/session');
  if (r.status === 200) loggedIn(r.body); else showLogin('');
});
