// Drives the leadgen dashboard in a real headless chromium (Debian's, through
// playwright-core) the way a person would, saving a screenshot of every page.
// Run by tests/e2e/test_dashboard.py, which starts the server; configured by
// LG_BASE, LG_EMAIL, LG_PASSWORD, LG_SHOTS, LG_LEAD, LG_LEAD2, LG_SENDER, and for the
// sending-accounts page LG_FORM_SENDER, LG_FORM_PASSWORD, LG_SMTP_PORT, LG_IMAP_PORT (the
// local mail sink and IMAP server) and LG_GMAIL (the address the fake OAuth provider
// consents as). Prints one JSON line of what it saw; exits non-zero on the first step
// that fails.
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

  // sending accounts: an SMTP account added by the form, tested against the local servers
  await page.click('header a[href="/app/accounts"]');
  await page.waitForURL(`${base}/app/accounts`);
  await page.waitForSelector('#add-account');
  await shot('accounts');
  const sender = process.env.LG_FORM_SENDER;
  const form = 'form:has(#add-account)';
  await page.fill(`${form} input[name=address]`, sender);
  await page.fill(`${form} input[name=name]`, 'Pat from the browser');
  await page.fill(`${form} input[name=host]`, '127.0.0.1');
  await page.fill(`${form} input[name=port]`, process.env.LG_SMTP_PORT);
  await page.selectOption(`${form} select[name=tls]`, 'none');
  await page.fill(`${form} input[name=username]`, sender);
  await page.fill(`${form} input[name=password]`, process.env.LG_FORM_PASSWORD);
  await page.fill(`${form} input[name=imap_host]`, '127.0.0.1');
  await page.fill(`${form} input[name=imap_port]`, process.env.LG_IMAP_PORT);
  await page.click('#add-account');
  await expectText('.ok', `Added ${sender}.`);
  seen.accountAdded = (await page.textContent('.ok')).trim();
  const row = page.locator('#accounts tr', { has: page.locator(`td:text-is("${sender}")`) });
  if ((await row.count()) !== 1) throw new Error(`${sender} is not listed once`);
  await shot('account-added');
  await row.locator('button:has-text("Test")').click();
  await page.waitForSelector('#test-result');
  await expectText('#test-result h2', sender);
  seen.accountTest = await page.$$eval('#test-result dd',
    (dds) => dds.map((d) => ({ cls: d.className, text: d.textContent })));
  seen.accountTestHtml = await page.innerHTML('#test-result');
  await shot('account-tested');

  // Connect Gmail: to the (fake) provider, whose consent redirects back with a code
  await page.click('#connect-gmail');
  await page.waitForURL(/\/app\/accounts\?connected=/);
  await expectText('.ok', `Connected ${process.env.LG_GMAIL}.`);
  seen.gmailMessage = (await page.textContent('.ok')).trim();
  seen.gmailUrl = page.url().replace(base, '');
  seen.gmailRow = await page.locator('#accounts tr',
    { has: page.locator(`td:text-is("${process.env.LG_GMAIL}")`) }).innerText();
  await shot('gmail-connected');

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

  // a CSV import: the column mapping previewed, then imported and listed
  await page.setInputFiles('#csv input[name=file]', {
    name: 'leads.csv', mimeType: 'text/csv',
    buffer: Buffer.from('Email,First Name,Company\r\ncsv.one@acme.lgtest,Una,Acme\r\n' +
                        'csv.two@acme.lgtest,Dos,Acme\r\nnot-an-address,Bad,Acme\r\n'),
  });
  await page.click('#csv-preview');
  await page.waitForSelector('#csv-mapping');
  seen.csvSummary = (await page.textContent('#csv-summary')).trim();
  await shot('csv-preview');
  await page.click('#csv-import');
  await expectText('#leads', 'csv.two@acme.lgtest');
  seen.csvImported = (await page.textContent('.ok')).trim();
  await shot('csv-imported');
  await page.click('a[href="/app/projects"]');
  await expectText('#projects', 'Browser project');

  // a campaign from the project, sent through the SMTP account (LG_SENDER) to a second lead
  await page.goto(`${base}${seen.projectUrl}`);
  await page.fill('form:has(#add-lead) input[name=email]', process.env.LG_LEAD2);
  await page.fill('form:has(#add-lead) input[name=firstname]', 'Ann');
  await page.click('#add-lead');
  await expectText('.ok', 'Lead added.');
  await page.click('header a[href="/app/campaigns"]');
  await shot('campaigns');
  await page.fill('#create-form input[name=name]', 'Browser campaign');
  await page.selectOption('#create-form select[name=project_id]', { label: 'Browser project' });
  await page.check(`#create-form label:has-text("${process.env.LG_SENDER}") input`);
  await page.fill('#create-form input[name=subject]', 'Hello {{firstname|there}}');
  await page.fill('#create-form textarea[name=body]', '<p>{Hi|Hello} {{firstname|there}}.</p>');
  await page.click('#add-step'); // a plain form button: the editor comes back with two steps
  const bodies = page.locator('#create-form textarea[name=body]');
  if ((await bodies.count()) !== 2) throw new Error('add step did not add a step');
  await bodies.nth(1).fill('<p>Following up.</p>');
  await page.click('#create-campaign');
  await page.waitForURL(/\/app\/campaigns\/\d+$/);
  seen.campaignUrl = page.url().replace(base, '');
  await expectText('#status', 'draft');
  await page.selectOption('#preview select[name=lead]', { label: process.env.LG_LEAD2 });
  await page.click('#show-preview');
  await expectText('#preview-1 .subject', 'Hello Ann');
  await shot('campaign-draft');
  await page.click('#controls button:has-text("Launch")');
  await expectText('.ok', 'Launched to');
  seen.launched = (await page.textContent('.ok')).trim();
  await shot('campaign-launched');
  // the page reloads itself (app.js, meta lg-refresh) while the campaign is active
  let loads = 0;
  page.on('load', () => { loads += 1; });
  const deadline = Date.now() + 30000;
  seen.sentTotal = 0;
  while (Date.now() < deadline && (seen.sentTotal < 1 || loads < 1)) {
    await page.waitForTimeout(500);
    try {
      seen.sentTotal = +(await page.textContent('#sent-total', { timeout: 1000 }));
    } catch (e) { /* between two loads */ }
  }
  seen.selfReloads = loads;
  seen.progressErrors = await page.locator('.error').count(); // a reload never re-posts
  await page.waitForSelector('#state-chart');
  await shot('campaign-progress');
  await page.click('#controls button:has-text("Pause")');
  await expectText('#status', 'paused');
  seen.paused = true;
  await shot('campaign-paused');

  // the ad history of a query (nothing searched yet: the empty timeline)
  await page.click('header a[href="/app/ads"]');
  await page.fill('input[name=query]', 'Marketing agency');
  await page.click('#show-history');
  await page.waitForURL(/\/app\/ads\?query=/);
  await page.waitForSelector('#no-ads');
  await shot('ads');

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
