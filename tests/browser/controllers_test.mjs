// SPDX-License-Identifier: GPL-2.0-or-later
// The Controllers page in Debian's Chromium, headless: a simulated door controller (fpb-door) known
// to fpb-host, its state in the table, Sync publishes the users and the page shows them published;
// a stopped controller shows up as not reachable with its error. Screenshots go to ARTIFACTS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, logIn, pageOptions, serve, setUpAdministrator, started } from './harness.mjs';

const host = process.env.FPB_HOST;
const doorProgram = process.env.FPB_DOOR;
const artifacts = process.env.ARTIFACTS || join(tmpdir(), 'fpb-browser-artifacts');
mkdirSync(artifacts, { recursive: true });
const port = 20000 + Math.floor(Math.random() * 20000);
const root = mkdtempSync(join(tmpdir(), 'fpb-browser-controllers-'));
const dataDir = join(root, 'host');

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

const door = spawn(doorProgram, ['serve', '--state', join(root, 'door'), '--user', 'door-svc:Door-Pass-1x'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await started(door, 'fpb-door ready', 'fpb-door');
const info = Object.fromEntries(ready.trim().split(/\s+/).slice(2).map((p) => p.split(/=(.*)/s).slice(0, 2)));
const admin = setUpAdministrator(host, dataDir);
const cli = (...args) => {
  const r = spawnSync(host, ['--data-dir', dataDir, ...args], { input: 'Door-Pass-1x\n', encoding: 'utf8' });
  if (r.status !== 0) fail(`fpb-host ${args.join(' ')}: ${r.stderr}`);
};
cli('controllers', 'add', '--id', 'front', '--name', 'Front door', '--endpoint', info.endpoint, '--username', 'door-svc',
  '--password-stdin', '--pin-sha256', info.sha256);
cli('users', 'generate', '--count', '3');

const server = await serve(host, dataDir, port);
const browser = await launchChromium();
try {
  const page = await browser.newPage(pageOptions({ width: 1400, height: 700 }));
  page.on('dialog', (d) => d.accept());
  await logIn(page, `https://127.0.0.1:${port}/`, admin);

  // Controller security: the audit page shows each finding with its recommendation. The simulated
  // controller runs with its defaults: HTTPS on but no IP filter, which the audit must fail.
  await page.click('button.tab[data-page="security"]');
  await page.click('#run-audit');
  const finding = (check) => page.locator(`.audit-controller[data-id="front"] tr.finding[data-check="${check}"] td`).first();
  await finding('ip-filter').waitFor({ timeout: 30000 }).catch(() => fail('the audit page shows no findings'));
  if ((await finding('ip-filter').textContent()) !== 'fail') fail('the audit page does not fail a controller without IP filter');
  if ((await finding('https').textContent()) !== 'pass') fail('the audit page does not pass a controller with HTTPS on');
  await page.screenshot({ path: join(artifacts, 'controller-security-audit.png') });
  console.log('ok: the controller security page lists the findings, failing the missing IP filter');

  await page.click('button.tab[data-page="controllers"]');
  const row = page.locator('#controllers tbody tr[data-id="front"]');
  await row.waitFor();
  await row.locator('button.sync').click();
  await page.waitForFunction(() => {
    const cells = document.querySelectorAll('#controllers tbody tr[data-id="front"] td');
    return cells.length > 5 && cells[2].textContent.startsWith('in step') && cells[5].textContent === '3';
  }, null, { timeout: 30000 }).catch(() => fail('after Sync the page does not show the controller in step with 3 published'));
  await page.screenshot({ path: join(artifacts, 'controllers-in-step.png') });
  console.log('ok: Sync publishes and the page shows the controller in step with 3 credentials');

  door.kill('SIGKILL');
  await row.locator('button.sync').click();
  await page.waitForFunction(() => {
    const tr = document.querySelector('#controllers tbody tr[data-id="front"]');
    return tr && tr.querySelector('td.state').textContent.includes('unreachable') &&
      tr.querySelector('td.error').textContent.includes('unreachable');
  }, null, { timeout: 30000 }).catch(() => fail('a stopped controller is not shown as unreachable with its error'));
  await page.screenshot({ path: join(artifacts, 'controllers-unreachable.png') });
  console.log('ok: a stopped controller is shown as not reachable, with the error naming it');
} finally {
  await browser.close();
  server.kill('SIGTERM');
  door.kill('SIGKILL');
}
