// Drives the leadgen dashboard in a real headless chromium (Debian's, through
// playwright-core) the way a person would, saving a screenshot of every page.
// Run by tests/e2e/test_dashboard.py, which starts the server; configured by
// LG_BASE, LG_EMAIL, LG_PASSWORD, LG_SHOTS, LG_LEAD. Prints one JSON line of
// what it saw; exits non-zero on the first step that fails.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.env.LG_BASE;
const shots = process.env.LG_SHOTS;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.LG_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const seen = { pages: [], cspViolations: [], scriptErrors: [] };
let n = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) seen.cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => seen.scriptErrors.push(String(e)));
  const shot = async (name) => {
    n += 1;
    const file = `${shots}/${String(n).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: file, fullPage: true });
    seen.pages.push({ name, url: page.url().replace(base, ''), file });
  };
  const expectText = async (selector, text) => {
    const got = await page.textContent(selector);
    if (!got || !got.includes(text)) throw new Error(`${selector}: wanted "${text}", got "${got}"`);
  };

  // no session: the dashboard sends us to sign in
  await page.goto(`${base}/app/`);
  if (!page.url().endsWith('/login')) throw new Error(`not sent to /login: ${page.url()}`);
  await shot('login');
  await page.fill('input[name=email]', process.env.LG_EMAIL);
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  await expectText('.error', 'Wrong email or password');
  await shot('login-failed');
  await page.fill('input[name=password]', process.env.LG_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app/`);
  await expectText('#balance', 'credits');
  seen.balance = (await page.textContent('#balance')).trim();
  await shot('home');

  // rotate the API key: a confirmation first, then the key once
  await page.click('a[href="/app/key"]');
  await shot('key-confirm');
  await page.click('#rotate');
  seen.newKey = (await page.textContent('#new-key')).trim();
  await shot('key-new');

  // a project, a lead added by form, verification of the selected lead
  await page.click('a[href="/app/projects"]');
  await shot('projects');
  await page.fill('input[name=name]', 'Browser project');
  await page.click('#create-project');
  await page.waitForURL(/\/app\/projects\/\d+$/);
  seen.projectUrl = page.url().replace(base, '');
  await page.fill('form:has(#add-lead) input[name=email]', process.env.LG_LEAD);
  await page.fill('form:has(#add-lead) input[name=company]', 'Null MX Ltd');
  await page.click('#add-lead');
  await expectText('.ok', 'Lead added.');
  await expectText('#leads', process.env.LG_LEAD);
  await shot('project-lead-added');
  await page.check('input[data-select-all]'); // app.js ticks every row
  seen.selected = await page.locator('input[name=lead_ids]:checked').count();
  await page.click('#verify');
  await expectText('.ok', 'Verified 1');
  seen.verification = (await page.textContent('#leads td.vbad')) || '';
  await shot('project-verified');
  await page.click('a[href="/app/projects"]');
  await expectText('#projects', 'Browser project');

  // sign out: the session is gone
  await page.click('header button[type=submit]');
  await page.waitForURL(`${base}/login`);
  await shot('signed-out');
  await page.goto(`${base}/app/projects`);
  seen.afterLogout = page.url().replace(base, '');
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
