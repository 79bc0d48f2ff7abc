// SPDX-License-Identifier: GPL-2.0-or-later
// The operator's Collect flow in Debian's Chromium, headless, against fpb-host serve with an
// emulated reader: Add User, a too-dry press then good presses, Finish; the same finger refused
// for a second user; unplug during Collect, plug back, succeed. Screenshots go to ARTIFACTS.
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, logIn, pageOptions, serve, setUpAdministrator } from './harness.mjs';

const host = process.env.FPB_HOST;
const artifacts = process.env.ARTIFACTS || join(tmpdir(), 'fpb-browser-artifacts');
mkdirSync(artifacts, { recursive: true });
const port = 20000 + Math.floor(Math.random() * 20000);
const dataDir = mkdtempSync(join(tmpdir(), 'fpb-browser-'));

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

const admin = setUpAdministrator(host, dataDir);
const server = await serve(host, dataDir, port, ['--emulated-reader']);
const browser = await launchChromium();
const page = await browser.newPage(pageOptions({ width: 1400, height: 900 }));
page.on('dialog', (d) => d.accept());
const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

async function addUser(id, name) {
  await page.click('#add-user');
  await page.fill('#user-id', id);
  await page.fill('#user-name', name);
  await page.click('#user-save');
  await page.waitForSelector('#tab-fingerprints:not(.hidden)');
}

async function press(mode, finger) {
  await page.fill('.emulated-reader .finger-seed', String(finger));
  await page.click(`.emulated-reader button[data-mode="${mode}"]`);
}

async function startCollect(finger) {
  await page.waitForFunction(() => [...document.querySelectorAll('#device-select option')].some((o) => o.value));
  await page.selectOption('#finger-select', String(finger));
  await page.click('#collect');
  await page.check('#consent-check');
  await page.click('#consent-continue');
}

async function promptLogContains(text, timeout = 20000) {
  await page.waitForFunction((t) => document.querySelector('#prompt-log').textContent.includes(t), text, { timeout });
}

try {
  await logIn(page, `https://127.0.0.1:${port}/`, admin);
  await page.waitForSelector('.emulated-reader');

  // 1. Add a user, collect with one too-dry press, then good presses; Finish.
  await addUser('1001', 'Ada Lovelace');
  await startCollect(2);
  await press('too_dry', 1);
  await promptLogContains('too dry');
  await shot('1-dry-finger-prompt');
  for (let i = 0; i < 3; i++) await press('good', 1);
  await page.waitForFunction(() => !document.querySelector('#collect-finish').disabled, null, { timeout: 30000 });
  if (!(await page.textContent('#prompt')).includes('recorded')) fail('no success message');
  await shot('2-success');
  await page.click('#collect-finish');
  await page.waitForSelector('#fingers tr[data-finger="2"]');
  await shot('3-fingerprint-in-record');
  await page.click('#user-close');
  await page.waitForFunction(() => document.querySelector('#users tr[data-user-id="1001"] .fingers').textContent.includes('Right index'));

  // 2. The same finger for a second user: refused, nothing saved.
  await addUser('1002', 'Alan Turing');
  await startCollect(7);
  for (let i = 0; i < 3; i++) await press('good', 1);
  await page.waitForFunction(() => document.querySelector('#collect-result').textContent.includes('already enrolled for user 1001'),
    null, { timeout: 30000 });
  await shot('4-duplicate-refused');
  await page.click('#collect-cancel');
  const fingersOf1002 = await page.evaluate(async () => (await (await fetch('/api/users/1002')).json()).fingerprints.length);
  if (fingersOf1002 !== 0) fail('the duplicate was saved');

  // 3. Unplug during Collect: a clear message; plug back and succeed.
  await startCollect(7);
  await promptLogContains('Place your finger');
  await page.click('.emulated-reader button[data-action="unplug"]');
  await page.waitForFunction(() => document.querySelector('#collect-result').textContent.includes('unplugged'), null, { timeout: 10000 });
  await shot('5-unplugged');
  await page.click('#collect-cancel');
  await page.click('.emulated-reader button[data-action="plug"]');
  await page.click('#fingerprint-tab');
  await startCollect(7);
  for (let i = 0; i < 3; i++) await press('good', 2);
  await page.waitForFunction(() => !document.querySelector('#collect-finish').disabled, null, { timeout: 30000 });
  await page.click('#collect-finish');
  await page.waitForSelector('#fingers tr[data-finger="7"]');
  await shot('6-after-replug');
  console.log(`PASS: browser Collect flow (screenshots in ${artifacts})`);
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
