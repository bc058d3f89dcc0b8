// Segment's browser library (analytics-next) in headless Chromium, on a page of another origin than the API:
// it loads its settings from the product (cdnURL) and posts text/plain JSON cross-origin, as on a real website.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const engageUrl = process.env.ENGAGE_URL;
const writeKey = process.env.WRITE_KEY;
const run = process.env.RUN_ID;
const bundle = path.join(path.dirname(require.resolve('@segment/analytics-next/package.json')), 'dist', 'umd', 'index.js');

const page = `<!doctype html><html lang="cs"><head><meta charset="utf-8"><title>Cestovní pojištění</title>
<script src="/analytics.js"></script></head><body><h1>Cestovní pojištění</h1></body></html>`;

const site = http.createServer((req, res) => {
  if (req.url.startsWith('/analytics.js')) {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    fs.createReadStream(bundle).pipe(res);
  } else {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  }
});

(async () => {
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  const siteUrl = `http://127.0.0.1:${site.address().port}/cestovani/pojisteni-do-zahranici?utm_campaign=travel-summer`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const tab = await browser.newPage();
    const failures = [];
    tab.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
    tab.on('console', (m) => { if (m.type() === 'error') failures.push(`console: ${m.text()}`); });
    await tab.goto(siteUrl);
    const anonymousId = await tab.evaluate(async ({ engageUrl, writeKey, run }) => {
      const [analytics] = await window.AnalyticsNext.AnalyticsBrowser.load({ writeKey, cdnURL: engageUrl });
      await analytics.page('Travel', 'Cestovní pojištění');
      await analytics.track('Product Viewed', { product_id: 'travel-annual', price: 1490 });
      await analytics.identify(`web-user-${run}`, { email: `${run}@example.cz` });
      await analytics.track('Order Completed', { revenue: 1490 });
      return analytics.user().anonymousId();
    }, { engageUrl, writeKey, run });
    // Give the library's delivery queue time to drain.
    await tab.waitForTimeout(1500);
    if (failures.length > 0) {
      console.error(failures.join('\n'));
      process.exitCode = 4;
    }
    console.log(anonymousId);
  } finally {
    await browser.close();
    site.close();
  }
})().catch((err) => { console.error(err); process.exit(3); });
