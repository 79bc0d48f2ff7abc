// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the browser tests: a data folder with an administrator who is logged in on the command
// line, and the login form filled in the browser.
import { spawnSync } from 'node:child_process';

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

export async function logIn(page, url, account) {
  await page.goto(url);
  await page.waitForSelector('#login-form');
  await page.fill('#login-name', account.name);
  await page.fill('#login-password', account.password);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not(.hidden)');
}
