// SPDX-License-Identifier: GPL-2.0-or-later
// The web UI's login and roles in Debian's Chromium: HTTPS with a secure session cookie, a wrong
// password refused, a guest who sees no Add User or Delete and whose changes the server refuses,
// the administrator's audit log showing logins with their IP address, its CSV export, logout.
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostCommand, launchChromium, logIn, pageOptions, serve, setUpAdministrator } from './harness.mjs';

const host = process.env.FPB_HOST;
const artifacts = process.env.ARTIFACTS || join(tmpdir(), 'fpb-browser-artifacts');
mkdirSync(artifacts, { recursive: true });
const port = 20000 + Math.floor(Math.random() * 20000);
const dataDir = mkdtempSync(join(tmpdir(), 'fpb-browser-security-'));
const url = `https://127.0.0.1:${port}/`;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

const admin = setUpAdministrator(host, dataDir);
const guest = { name: 'visitor', password: 'Gu3st-Looks-Only!' };
hostCommand(host, dataDir, ['operators', 'add', guest.name, '--role', 'guest', '--password-stdin'], `${guest.password}\n`);
hostCommand(host, dataDir, ['users', 'add', '--id', '2001', '--name', 'Grace Hopper']);

const server = await serve(host, dataDir, port);
const browser = await launchChromium();
try {
  const context = await browser.newContext(pageOptions({ width: 1400, height: 800 }));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());

  // A wrong password is refused on the login page, without saying whether the name exists.
  await page.goto(url);
  await page.waitForSelector('#login-form');
  if (!(await page.isHidden('#app'))) fail('the application is visible before login');
  await page.fill('#login-name', admin.name);
  await page.fill('#login-password', 'Not-The-Password-9');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.includes('wrong operator name or password'));
  console.log('ok: a wrong password is refused on the login page');

  // The guest sees the users but no Add User or Delete; the server refuses their changes anyway.
  await logIn(page, url, guest);
  await page.waitForSelector('#users tbody tr[data-user-id="2001"]');
  if (!(await page.isHidden('#add-user'))) fail('a guest sees Add User');
  if (!(await page.isHidden('#users tbody tr[data-user-id="2001"] button.delete'))) fail('a guest sees Delete');
  if (!(await page.isHidden('button.tab[data-page="audit"]'))) fail('a guest sees the audit log tab');
  const refusal = await page.evaluate(async () => {
    const s = await (await fetch('/api/session')).json();
    const r = await fetch('/api/users/2001', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } });
    return { status: r.status, body: await r.json() };
  });
  if (refusal.status !== 403 || !refusal.body.error.includes('guest role may not')) fail(`guest delete: ${JSON.stringify(refusal)}`);
  const cookie = (await context.cookies()).find((c) => c.name === 'fpb_session');
  if (!cookie || !cookie.secure || !cookie.httpOnly || cookie.sameSite !== 'Strict') fail(`session cookie: ${JSON.stringify(cookie)}`);
  await page.screenshot({ path: join(artifacts, 'security-guest.png') });
  console.log('ok: a guest sees no changes, the server refuses them (403), the cookie is Secure, HttpOnly, SameSite=Strict');

  await page.click('#logout');
  await page.waitForSelector('#login-form');
  const after = await page.evaluate(async () => (await fetch('/api/users')).status);
  if (after !== 401) fail(`after logout the API answers ${after}`);
  console.log('ok: logout ends the session');

  // The administrator manages operators on their page: a weak password is refused with its reasons.
  await logIn(page, url, admin);
  await page.click('button.tab[data-page="operators"]');
  await page.waitForSelector('#operators tbody tr[data-name="visitor"]');
  await page.fill('#operator-name', 'new-clerk');
  await page.fill('#operator-password', 'clerk');
  await page.click('#operator-add');
  await page.waitForFunction(() => document.querySelector('#operator-error').textContent.includes('no digit'));
  await page.fill('#operator-password', 'Tidy-Ledger-58!');
  await page.click('#operator-add');
  await page.waitForSelector('#operators tbody tr[data-name="new-clerk"]');
  await page.selectOption('#operators tbody tr[data-name="new-clerk"] select.role', 'guest');
  await page.waitForFunction(() => document.querySelector('#operators tbody tr[data-name="new-clerk"] select.role').value === 'guest');
  const roles = JSON.parse(hostCommand(host, dataDir, ['operators', 'list', '--json']));
  if (roles.find((o) => o.name === 'new-clerk')?.role !== 'guest') fail(`the role change did not land: ${JSON.stringify(roles)}`);
  await page.screenshot({ path: join(artifacts, 'security-operators.png') });
  console.log('ok: the Operators page refuses a weak password with its reason, adds an operator and changes their role');

  // The administrator's audit log shows the logins with the address they came from, and exports.
  await page.click('button.tab[data-page="audit"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-log tbody tr')].some((tr) =>
    tr.children[1].textContent === 'visitor' && tr.children[2].textContent === '127.0.0.1' && tr.children[3].textContent === 'login'));
  if (!(await page.textContent('#audit-log')).includes('login.failed')) fail('the failed login is not in the audit log');
  await page.screenshot({ path: join(artifacts, 'security-audit-log.png') });
  // The Export CSV link, fetched as the browser would follow it (with the session cookie).
  const exported = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('#audit-export-csv').href);
    return { status: r.status, disposition: r.headers.get('Content-Disposition'), text: await r.text() };
  });
  if (exported.status !== 200 || !exported.disposition.startsWith('attachment')) fail(`export: ${exported.status}`);
  const csv = exported.text;
  if (!csv.startsWith('id,at,actor,address,action,subject,detail')) fail('the CSV export has no header');
  for (const secret of [admin.password, guest.password, 'Not-The-Password-9'])
    if (csv.includes(secret)) fail('a password is in the exported audit log');
  console.log(`ok: the audit log shows logins with their IP address; the CSV export (${csv.split('\n').length - 2} entries) holds no password`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
