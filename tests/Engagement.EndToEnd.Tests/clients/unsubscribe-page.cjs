// The unsubscribe page in headless Chromium, as a person meets it from an e-mail: no script, the page's own form.
// The person unticks the link's purpose, ticks another with the keyboard, and saves; the script prints one JSON line
// of what it saw, for the test to check.
const { chromium } = require('playwright-core');

const link = process.env.UNSUBSCRIBE_URL;

async function run(browser) {
  const seen = { cspViolations: [] };
  const context = await browser.newContext({ locale: 'cs-CZ', javaScriptEnabled: false });
  const tab = await context.newPage();
  tab.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) seen.cspViolations.push(message.text());
  });
  const response = await tab.goto(link);
  seen.status = response.status();
  seen.lang = await tab.getAttribute('html', 'lang');
  seen.heading = await tab.textContent('h1');
  // The stylesheet is allowed by its hash: the page must look styled, not raw.
  seen.mainBackground = await tab.evaluate(() => getComputedStyle(document.querySelector('main')).backgroundColor);
  seen.labels = await tab.$$eval('input[name="purpose"]', (boxes) => boxes.map((b) => document.querySelector(`label[for="${b.id}"]`).textContent));
  seen.checkedBefore = await tab.$$eval('input[name="purpose"]', (boxes) => boxes.map((b) => b.checked));
  seen.legend = await tab.textContent('legend');
  await tab.click('label[for="e360u-item-0"]');
  await tab.focus('#e360u-item-1');
  await tab.keyboard.press('Space');
  seen.checkedAfter = await tab.$$eval('input[name="purpose"]', (boxes) => boxes.map((b) => b.checked));
  await Promise.all([tab.waitForNavigation(), tab.click('button[value="save"]')]);
  seen.doneHeading = await tab.textContent('h1');
  seen.doneText = await tab.textContent('[role="status"]');
  return seen;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    console.log(JSON.stringify(await run(browser)));
  } finally {
    await browser.close();
  }
})().catch((err) => { console.error(err); process.exit(3); });
