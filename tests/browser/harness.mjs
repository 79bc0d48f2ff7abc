// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the browser tests: a data folder with an administrator logged in on the command line,
// fpb-host serve started and awaited, Debian's Chromium, and the login form filled in the browser.
import { spawn, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export function hostCommand(host, dataDir, args, input = '') {
  const r = spawnSync(host, ['--data-dir', dataDir, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fpb-host ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/// Creates the first administrator and logs the command line in as them.
export function setUpAdministrator(host, dataDir, name = 'site-admin', password = 'Br0wser-Test-Pass!') {
  hostCommand(host, dataDir, ['setup', '--admin', name, '--password-stdin'], `${password}\n`);
  hostCommand(host, dataDir, ['login', '--operator', name, '--password-stdin'], `${password}\n`);
  return { name, password };
}

/// Resolves with everything the child printed once its output contains `marker`.
export function started(child, marker, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 20000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes(marker)) { clearTimeout(timer); resolve(out); }
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/// `fpb-host serve` on `port` (extra arguments after it), once it is listening.
export async function serve(host, dataDir, port, extra = []) {
  const server = spawn(host, ['--data-dir', dataDir, 'serve', '--port', String(port), ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  await started(server, 'Operator UI', 'fpb-host serve');
  return server;
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/// Page options: the UI's certificate is generated on first run, so the test browser accepts it, and
/// Playwright may evaluate its wait conditions despite the page's Content-Security-Policy.
export const pageOptions = (viewport) => ({ viewport, ignoreHTTPSErrors: true, bypassCSP: true });

export async function logIn(page, url, account) {
  await page.goto(url);
  await page.waitForSelector('#login-form');
  await page.fill('#login-name', account.name);
  await page.fill('#login-password', account.password);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not(.hidden)');
}
