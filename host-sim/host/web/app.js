// SPDX-License-Identifier: GPL-2.0-or-later
// The operator UI: users, Add User with Fingerprint Info and Collect, door controllers, emulation.
'use strict';

const $ = (id) => document.getElementById(id);
const fingerNames = ['unknown', 'Right thumb', 'Right index', 'Right middle', 'Right ring', 'Right little',
  'Left thumb', 'Left index', 'Left middle', 'Left ring', 'Left little'];

let session = null;        // the logged-in operator: name, role, csrf_token, what they may do

async function api(method, path, body) {
  const headers = body ? { 'Content-Type': 'application/json' } : {};
  // Every change carries the session's CSRF token; the server refuses changes without it.
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (response.status === 401 && data.login_required) showLogin('Your session has ended: log in again.');
  if (response.status === 403 && data.password_expired) showPage('account');
  if (!response.ok) throw new Error(data.error || `${method} ${path} failed (${response.status})`);
  return data;
}

// ---- login, session, account ---------------------------------------------------------------------
function showLogin(message) {
  session = null;
  closeEvents();
  $('app').classList.add('hidden');
  $('main-nav').classList.add('hidden');
  $('who').classList.add('hidden');
  $('login-page').classList.remove('hidden');
  $('login-error').textContent = message || '';
  $('login-password').value = '';
  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
}

function startApp(s) {
  session = s;
  $('login-page').classList.add('hidden');
  $('app').classList.remove('hidden');
  $('main-nav').classList.remove('hidden');
  $('who').classList.remove('hidden');
  $('who-name').textContent = `${s.operator} (${s.role})`;
  $('consent-operator').textContent = s.operator;
  document.querySelectorAll('.admin-only').forEach((e) => e.classList.toggle('hidden', !s.can.manage_operators));
  $('add-user').classList.toggle('hidden', !s.can.manage_users);
  $('password-expired').classList.toggle('hidden', !s.password_expired);
  if (s.password_expired) { showPage('account'); return; }
  showPage('users');
  loadStatus().then(loadUsers).catch((e) => { $('plugin-status').textContent = e.message; });
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    startApp(await api('POST', '/api/login', { name: $('login-name').value.trim(), password: $('login-password').value }));
  } catch (e) {
    $('login-error').textContent = e.message;
  }
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => {});
  showLogin('Logged out.');
});

$('password-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('password-error').textContent = '';
  if ($('password-new').value !== $('password-repeat').value) {
    $('password-error').textContent = 'The two new passwords differ.';
    return;
  }
  try {
    await api('POST', '/api/password', { current: $('password-current').value, new: $('password-new').value });
    ['password-current', 'password-new', 'password-repeat'].forEach((id) => { $(id).value = ''; });
    showLogin('Password changed: log in with the new one.');
  } catch (e) {
    $('password-error').textContent = e.message;
  }
});

let status = { privacy_notice: '' };
let currentUser = null;   // the user the dialog is editing (after it is saved)
let collectSession = null;
let events = null;

// ---- pages -----------------------------------------------------------------------------------
function showPage(name) {
  document.querySelectorAll('nav .tab').forEach((t) => t.classList.toggle('active', t.dataset.page === name));
  document.querySelectorAll('.page').forEach((p) => p.classList.toggle('hidden', p.id !== `page-${name}`));
  if (name === 'controllers') loadControllers();
  if (name === 'audit') loadAuditLog();
  if (name === 'operators') loadOperators();
}
for (const tab of document.querySelectorAll('nav .tab')) tab.addEventListener('click', () => showPage(tab.dataset.page));

async function loadStatus() {
  status = await api('GET', '/api/status');
  const names = status.plugins.map((p) => p.display_name).join(', ');
  $('plugin-status').textContent = names ? `Plugins: ${names}` : 'No plugins loaded';
  $('emulation').classList.toggle('hidden', !status.emulation);
  if (status.emulation) loadEmulation();
}

async function loadUsers() {
  const users = await api('GET', '/api/users');
  const body = $('users').querySelector('tbody');
  body.innerHTML = '';
  for (const u of users) {
    const tr = document.createElement('tr');
    tr.dataset.userId = u.id;
    const valid = `${u.valid_from || '…'} – ${u.valid_until || '…'}`;
    const fingers = u.fingerprints.map((f) => fingerNames[f.finger] + (f.duress ? ' (duress)' : '')).join(', ');
    tr.innerHTML = `<td>${esc(u.id)}</td><td>${esc(u.name)}</td><td>${esc(u.type)}</td><td>${esc(valid)}</td>` +
      `<td class="fingers">${esc(fingers || '—')}</td>` +
      `<td><button class="edit">Fingerprints</button> <button class="delete">Delete</button></td>`;
    tr.querySelector('.edit').addEventListener('click', () => openUserDialog(u));
    tr.querySelector('.delete').classList.toggle('hidden', !session.can.manage_users);
    tr.querySelector('.delete').addEventListener('click', async () => {
      if (!confirm(`Delete user ${u.id} (${u.name}) and erase their fingerprints everywhere?`)) return;
      await api('DELETE', `/api/users/${encodeURIComponent(u.id)}`);
      loadUsers();
    });
    body.appendChild(tr);
  }
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// ---- Add User dialog -------------------------------------------------------------------------
function showDialogTab(name) {
  document.querySelectorAll('.dtab').forEach((t) => t.classList.toggle('active', t.dataset.tab === name));
  $('tab-info').classList.toggle('hidden', name !== 'info');
  $('tab-fingerprints').classList.toggle('hidden', name !== 'fingerprints');
  if (name === 'fingerprints') {
    loadFingers();
    $('collect').disabled = !session.can.enroll;
    if (session.can.enroll) loadDevices();
  }
}
document.querySelectorAll('.dtab').forEach((t) => t.addEventListener('click', () => {
  if (t.dataset.tab === 'fingerprints' && !currentUser) {
    $('user-error').textContent = 'Save the user first, then collect fingerprints.';
    return;
  }
  showDialogTab(t.dataset.tab);
}));

function openUserDialog(user) {
  currentUser = user || null;
  $('user-dialog-title').textContent = user ? `User ${user.id} — ${user.name}` : 'Add User';
  $('user-id').value = user ? user.id : '';
  $('user-name').value = user ? user.name : '';
  $('user-type').value = user ? user.type : 'general';
  $('user-valid-from').value = user && user.valid_from ? user.valid_from : '';
  $('user-valid-until').value = user && user.valid_until ? user.valid_until : '';
  for (const id of ['user-id', 'user-name', 'user-type', 'user-valid-from', 'user-valid-until']) $(id).disabled = !!user;
  $('user-save').classList.toggle('hidden', !!user);
  $('user-error').textContent = '';
  $('collect-error').textContent = '';
  showDialogTab(user ? 'fingerprints' : 'info');
  $('user-dialog').show();
}
$('add-user').addEventListener('click', () => openUserDialog(null));
$('user-close').addEventListener('click', () => { $('user-dialog').close(); loadUsers(); });

$('user-save').addEventListener('click', async () => {
  $('user-error').textContent = '';
  try {
    currentUser = await api('POST', '/api/users', {
      id: $('user-id').value.trim(), name: $('user-name').value, type: $('user-type').value,
      valid_from: $('user-valid-from').value.trim(), valid_until: $('user-valid-until').value.trim(),
    });
    openUserDialog(currentUser);
    loadUsers();
  } catch (e) {
    $('user-error').textContent = e.message;
  }
});

async function loadFingers() {
  if (!currentUser) return;
  currentUser = await api('GET', `/api/users/${encodeURIComponent(currentUser.id)}`);
  const body = $('fingers').querySelector('tbody');
  body.innerHTML = '';
  for (const f of currentUser.fingerprints) {
    const tr = document.createElement('tr');
    tr.dataset.finger = f.finger;
    tr.innerHTML = `<td>${fingerNames[f.finger]}</td><td>${f.duress ? 'yes' : 'no'}</td><td>${f.quality}</td>` +
      `<td>${esc(f.enrolled_at)}</td><td><button class="delete-finger">Delete</button></td>`;
    tr.querySelector('.delete-finger').classList.toggle('hidden', !session.can.manage_users);
    tr.querySelector('.delete-finger').addEventListener('click', async () => {
      await api('DELETE', `/api/users/${encodeURIComponent(currentUser.id)}/fingers/${f.finger}`);
      loadFingers();
    });
    body.appendChild(tr);
  }
  if (!currentUser.fingerprints.length) body.innerHTML = '<tr><td colspan="5" class="muted">No fingerprints yet</td></tr>';
}

async function loadDevices() {
  const devices = await api('GET', '/api/devices');
  const select = $('device-select');
  const previous = select.value;
  select.innerHTML = '';
  for (const d of devices) {
    const option = document.createElement('option');
    option.value = d.id;
    option.textContent = `${d.type} — ${d.model} (serial ${d.serial})`;
    select.appendChild(option);
  }
  if (!devices.length) select.innerHTML = '<option value="">No reader connected</option>';
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

// ---- Collect -----------------------------------------------------------------------------------
$('collect').addEventListener('click', () => {
  $('collect-error').textContent = '';
  $('privacy-notice').textContent = status.privacy_notice;
  $('consent-check').checked = false;
  $('consent-continue').disabled = true;
  $('consent-step').classList.remove('hidden');
  $('capture-step').classList.add('hidden');
  $('collect-dialog').show();
});
$('consent-check').addEventListener('change', () => { $('consent-continue').disabled = !$('consent-check').checked; });
$('consent-cancel').addEventListener('click', () => $('collect-dialog').close());

$('consent-continue').addEventListener('click', async () => {
  resetCapture();
  $('consent-step').classList.add('hidden');
  $('capture-step').classList.remove('hidden');
  try {
    const started = await api('POST', '/api/collect', {
      user_id: currentUser.id, finger: Number($('finger-select').value), duress: $('duress-check').checked,
      device_id: $('device-select').value, consent_confirmed: true,
    });
    collectSession = started.session;
    events = new EventSource(`/api/collect/${collectSession}/events`);
    events.onmessage = (m) => onCollectEvent(JSON.parse(m.data));
  } catch (e) {
    showPrompt(e.message, 'bad');
    $('collect-result').textContent = e.message;
  }
});

function resetCapture() {
  $('press-image').removeAttribute('src');
  $('quality-meter').value = 0;
  $('quality-value').textContent = '–';
  $('press-count').textContent = 'Press 0 of 3';
  $('collect-result').textContent = '';
  $('collect-finish').disabled = true;
  $('prompt-log').innerHTML = '';
  showPrompt('Preparing the reader…', '');
}

function showPrompt(text, kind) {
  $('prompt').textContent = text;
  const item = document.createElement('li');
  item.textContent = text;
  $('prompt-log').appendChild(item);
  $('prompt').className = `prompt ${kind || ''}`;
}

function speak(code) {
  if (!code) return;
  const voice = $('voice');
  voice.src = `/voice/${code}.wav`;
  voice.play().catch(() => {});   // browsers may block audio until the operator interacts
}

function onCollectEvent(e) {
  if (e.presses_needed) $('press-count').textContent = `Press ${e.presses_done} of ${e.presses_needed}`;
  if (e.kind === 'prompt') {
    const bad = e.prompt_code >= 10 && e.prompt_code < 40 || e.prompt_code === 4;
    showPrompt(e.text, bad ? 'bad' : '');
    speak(e.prompt_code);
  } else if (e.kind === 'press') {
    if (e.image) $('press-image').src = e.image;
    $('quality-meter').value = Math.max(0, e.quality);
    $('quality-value').textContent = e.quality >= 0 ? e.quality : '–';
  } else if (e.kind === 'completed') {
    showPrompt(e.text, 'good');
    speak(e.prompt_code);
    $('collect-result').textContent = 'All presses taken. Click Finish to save the fingerprint.';
    $('collect-finish').disabled = false;
  } else if (e.kind === 'failed') {
    showPrompt(e.text, 'bad');
    speak(e.prompt_code);
    $('collect-result').textContent = e.text;
    closeEvents();
  }
}

function closeEvents() {
  if (events) { events.close(); events = null; }
}

$('collect-finish').addEventListener('click', async () => {
  try {
    await api('POST', `/api/collect/${collectSession}/finish`);
    closeEvents();
    $('collect-result').textContent = 'Fingerprint saved.';
    $('collect-dialog').close();
    loadFingers();
    loadUsers();
  } catch (e) {
    $('collect-result').textContent = e.message;
  }
});

$('collect-cancel').addEventListener('click', async () => {
  closeEvents();
  if (collectSession) await api('POST', `/api/collect/${collectSession}/cancel`).catch(() => {});
  collectSession = null;
  $('collect-dialog').close();
});

// ---- Controllers -------------------------------------------------------------------------------
async function loadControllers() {
  let list = [];
  try { list = await api('GET', '/api/controllers'); } catch (e) { list = []; }
  const body = $('controllers').querySelector('tbody');
  body.innerHTML = '';
  for (const c of list) {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    tr.innerHTML = `<td>${esc(c.id)}<div class="muted">${esc(c.name || '')}</div></td><td>${esc(c.endpoint)}</td>` +
      `<td class="state">${esc(c.state || '')}${c.reachable || c.state === 'unreachable' ? '' : ' <span class="muted">(not reachable)</span>'}</td>` +
      `<td>${esc(c.last_sync || '—')}</td><td>${esc(c.queued ?? '')}</td><td>${esc(c.published ?? '')}</td>` +
      `<td class="error">${esc(c.last_error || '')}</td><td><button class="sync">Sync</button></td>`;
    tr.querySelector('button.sync').classList.toggle('hidden', !session.can.sync_controllers);
    tr.querySelector('button.sync').addEventListener('click', async (ev) => {
      ev.target.disabled = true;
      ev.target.textContent = 'Syncing…';
      try {
        const r = await api('POST', `/api/controllers/${encodeURIComponent(c.id)}/sync`);
        if (!r.ok) alert(r.error);
      } catch (e) { alert(e.message); }
      loadControllers();
    });
    body.appendChild(tr);
  }
  $('controllers-empty').classList.toggle('hidden', list.length > 0);
}

// ---- Emulated readers ---------------------------------------------------------------------------
async function loadEmulation() {
  const readers = await api('GET', '/api/emulation');
  const box = $('emulated-readers');
  box.innerHTML = '';
  readers.forEach((r, index) => {
    const div = document.createElement('div');
    div.className = 'emulated-reader';
    div.dataset.index = index;
    const modes = (r.modes || []).map((m) => `<button data-mode="${esc(m)}">${esc(m.replace(/_/g, ' '))}</button>`).join('');
    div.innerHTML = `<strong>${esc(r.name || `Reader ${index + 1}`)}</strong> <span class="muted">${r.plugged ? 'plugged in' : 'unplugged'}</span>` +
      `<label>Finger <input class="finger-seed" type="number" value="${r.finger ?? 1}" min="1" max="1000" ></label>` +
      `<div class="modes">${modes}</div>` +
      `<div class="modes"><button data-action="${r.plugged ? 'unplug' : 'plug'}">${r.plugged ? 'Unplug' : 'Plug in'}</button></div>`;
    div.querySelectorAll('button[data-mode]').forEach((b) => b.addEventListener('click', () =>
      api('POST', `/api/emulation/${index}/press`, { mode: b.dataset.mode, finger: Number(div.querySelector('.finger-seed').value) })
        .catch((e) => alert(e.message))));
    div.querySelectorAll('button[data-action]').forEach((b) => b.addEventListener('click', async () => {
      await api('POST', `/api/emulation/${index}/${b.dataset.action}`).catch((e) => alert(e.message));
      loadEmulation();
      if (!$('tab-fingerprints').classList.contains('hidden')) loadDevices();
    }));
    box.appendChild(div);
  });
}

// ---- Controller security (administrators) --------------------------------------------------------
$('run-audit').addEventListener('click', async () => {
  const box = $('audit-results');
  $('run-audit').disabled = true;
  box.innerHTML = '<p class="muted">Asking each controller over ONVIF…</p>';
  try {
    const report = await api('GET', '/api/controllers/audit');
    box.innerHTML = '';
    for (const c of report) {
      const div = document.createElement('div');
      div.className = 'audit-controller';
      div.dataset.id = c.id;
      const rows = c.findings.map((f) => `<tr class="finding" data-check="${esc(f.check)}">` +
        `<td class="finding-${esc(f.result)}">${esc(f.result)}</td><td>${esc(f.check)}</td>` +
        `<td>${esc(f.detail)}</td><td class="muted">${esc(f.recommendation)}</td></tr>`).join('');
      div.innerHTML = `<h3>${esc(c.id)} <span class="muted">${esc(c.name || '')}</span>` +
        ' <button class="rotate">Rotate password</button></h3>' +
        (c.error ? `<p class="error">Cannot audit: ${esc(c.error)}</p>` : '') +
        `<table><thead><tr><th>Result</th><th>Check</th><th>Finding</th><th>Recommendation</th></tr></thead><tbody>${rows}</tbody></table>`;
      div.querySelector('.rotate').addEventListener('click', async (ev) => {
        if (!confirm(`Set a new generated password on ${c.id}?`)) return;
        ev.target.disabled = true;
        try {
          await api('POST', `/api/controllers/${encodeURIComponent(c.id)}/rotate-password`);
          ev.target.textContent = 'Password rotated';
        } catch (e) { alert(e.message); ev.target.disabled = false; }
      });
      box.appendChild(div);
    }
    if (!report.length) box.innerHTML = '<p class="muted">No door controllers are configured.</p>';
  } catch (e) {
    box.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
  $('run-audit').disabled = false;
});

// ---- Operator accounts (administrators) ---------------------------------------------------------
async function loadOperators() {
  const list = await api('GET', '/api/operators').catch((e) => { alert(e.message); return []; });
  const body = $('operators').querySelector('tbody');
  body.innerHTML = '';
  for (const o of list) {
    const tr = document.createElement('tr');
    tr.dataset.name = o.name;
    const roles = ['administrator', 'operator', 'guest'].map((r) =>
      `<option value="${r}"${r === o.role ? ' selected' : ''}>${r}</option>`).join('');
    tr.innerHTML = `<td>${esc(o.name)}</td><td><select class="role">${roles}</select></td>` +
      `<td>${esc(o.password_changed_at)}</td><td>${esc(o.last_login_at || '—')} ${esc(o.last_login_address || '')}</td>` +
      `<td class="locked">${esc(o.locked_until || '')}</td>` +
      `<td><button class="unlock">Unlock</button> <button class="remove">Remove</button></td>`;
    tr.querySelector('.unlock').classList.toggle('hidden', !o.locked_until);
    const act = (method, path, body) => api(method, path, body).catch((e) => alert(e.message)).then(loadOperators);
    tr.querySelector('.unlock').addEventListener('click', () => act('POST', `/api/operators/${encodeURIComponent(o.name)}/unlock`));
    tr.querySelector('.role').addEventListener('change', (ev) =>
      act('POST', `/api/operators/${encodeURIComponent(o.name)}/role`, { role: ev.target.value }));
    tr.querySelector('.remove').addEventListener('click', () => {
      if (confirm(`Remove operator ${o.name}? Their sessions end at once.`)) act('DELETE', `/api/operators/${encodeURIComponent(o.name)}`);
    });
    body.appendChild(tr);
  }
}
$('operator-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('operator-error').textContent = '';
  try {
    await api('POST', '/api/operators', {
      name: $('operator-name').value.trim(), role: $('operator-role').value, password: $('operator-password').value,
    });
    $('operator-name').value = '';
    $('operator-password').value = '';
    loadOperators();
  } catch (e) {
    $('operator-error').textContent = e.message;
  }
});

// ---- Audit log (administrators) -------------------------------------------------------------------
async function loadAuditLog() {
  const filter = $('audit-filter').value.trim();
  const entries = await api('GET', `/api/audit?limit=500&action=${encodeURIComponent(filter)}`).catch((e) => {
    alert(e.message);
    return [];
  });
  const body = $('audit-log').querySelector('tbody');
  body.innerHTML = '';
  for (const e of entries) {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${esc(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.address)}</td><td>${esc(e.action)}</td>` +
      `<td>${esc(e.subject)}</td><td>${esc(e.detail)}</td>`;
    body.appendChild(tr);
  }
}
$('audit-refresh').addEventListener('click', loadAuditLog);

fetch('/api/session').then(async (r) => {
  if (r.ok) startApp(await r.json()); else showLogin('');
}).catch(() => showLogin('The server cannot be reached.'));
