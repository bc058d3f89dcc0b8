// The consent form in headless Chromium, as a customer meets it: a portal on another origin than the product loads
// /consent/form.js after "login" and shows the pop-up; or the person is sent to the full-page consent page.
// SCENARIO picks what the person does; the script prints one JSON line of what it saw, for the test to check.
const http = require('node:http');
const { chromium } = require('playwright-core');

const engageUrl = process.env.ENGAGE_URL;
const token = process.env.TOKEN;
const scenario = process.env.SCENARIO;
const lang = process.env.FORM_LANG || 'en';

const portalPage = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Customer portal</title></head>
<body><header><a href="#top" id="portal-link">Portal home</a></header>
<main><h1>Welcome back</h1><button id="portal-button" type="button">My account</button></main>
<script>
  window.portalLogin = function (token, lang, usePrompt) {
    var script = document.createElement('script');
    script.src = ${JSON.stringify(engageUrl)} + '/consent/form.js';
    script.onload = function () {
      (usePrompt ? Engagement360Consent.prompt({ token: token, lang: lang }) : Engagement360Consent.show({ token: token, lang: lang, variant: 'popup' }))
        .then(function (outcome) { window.consentOutcome = outcome; }, function (error) { window.consentOutcome = { error: String(error) }; });
    };
    document.head.appendChild(script);
  };
</script></body></html>`;

const portal = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(req.url.startsWith('/done') ? '<!doctype html><title>Portal</title><h1>Back in the portal</h1>' : portalPage);
});

async function openPopup(tab, portalUrl) {
  await tab.goto(portalUrl);
  await tab.focus('#portal-button');
  await tab.evaluate(({ token, lang }) => window.portalLogin(token, lang), { token, lang });
  await tab.waitForSelector('[role="dialog"]', { state: 'visible' });
}

async function outcome(tab) {
  await tab.waitForFunction(() => window.consentOutcome !== undefined, null, { timeout: 20000 });
  return tab.evaluate(() => window.consentOutcome);
}

const focusInsideDialog = (tab) => tab.evaluate(() => !!document.activeElement && !!document.activeElement.closest('[role="dialog"]'));

async function run(browser, portalUrl) {
  const seen = {};
  if (scenario === 'prompt-accept' || scenario === 'prompt-none') {
    // The portal lets running consent drives decide: a form is due (accept it), or none is.
    const context = await browser.newContext({ locale: lang === 'cs' ? 'cs-CZ' : 'en-GB' });
    const tab = await context.newPage();
    await tab.goto(portalUrl);
    await tab.evaluate(({ token, lang }) => window.portalLogin(token, lang, true), { token, lang });
    if (scenario === 'prompt-none') {
      seen.outcome = await outcome(tab);
      seen.dialog = (await tab.$('[role="dialog"]')) !== null;
      return seen;
    }
    await tab.waitForSelector('[role="dialog"]', { state: 'visible' });
    seen.heading = await tab.evaluate(() => document.getElementById(document.querySelector('[role="dialog"]').getAttribute('aria-labelledby')).textContent);
    await tab.click('[role="dialog"] button[value="accept-all"]');
    seen.outcome = await outcome(tab);
    return seen;
  }
  if (scenario === 'page-nojs' || scenario === 'page-js') {
    const context = await browser.newContext({ javaScriptEnabled: scenario === 'page-js' });
    const tab = await context.newPage();
    seen.requests = [];
    tab.on('request', (r) => { if (r.url().startsWith(engageUrl)) seen.requests.push(`${r.method()} ${new URL(r.url()).pathname}`); });
    const returnTo = `${portalUrl}done`;
    const response = await tab.goto(`${engageUrl}/consent/page?token=${encodeURIComponent(token)}&lang=${lang}&return=${encodeURIComponent(returnTo)}`);
    seen.status = response.status();
    seen.heading = await tab.textContent('h1');
    seen.labels = await tab.$$eval('input[type=checkbox]', (boxes) => boxes.map((b) => b.labels[0].textContent));
    await tab.click('label[for="e360c-item-1"]');
    await Promise.all([tab.waitForURL(returnTo, { timeout: 20000 }), tab.click('button[value="save"]')]);
    seen.finalUrl = tab.url();
    return seen;
  }

  const context = await browser.newContext({ locale: lang === 'cs' ? 'cs-CZ' : 'en-GB' });
  const tab = await context.newPage();
  await openPopup(tab, portalUrl);
  const dialog = tab.locator('[role="dialog"]');
  seen.focusInside = await focusInsideDialog(tab);
  seen.ariaModal = await dialog.getAttribute('aria-modal');
  seen.heading = await tab.evaluate(() => document.getElementById(document.querySelector('[role="dialog"]').getAttribute('aria-labelledby')).textContent);
  seen.description = await tab.evaluate(() => document.getElementById(document.querySelector('[role="dialog"]').getAttribute('aria-describedby')).textContent);
  seen.labels = await tab.$$eval('[role="dialog"] input[type=checkbox]', (boxes) => boxes.map((b) => (b.labels.length > 0 ? b.labels[0].textContent : null)));
  seen.checked = await tab.$$eval('[role="dialog"] input[type=checkbox]', (boxes) => boxes.map((b) => b.checked));
  seen.buttons = await tab.$$eval('[role="dialog"] button', (buttons) => buttons.map((b) => b.tagName === 'BUTTON' && (b.getAttribute('aria-label') || b.textContent.trim())));
  seen.portalInert = await tab.evaluate(() => document.querySelector('main').inert);

  if (scenario === 'show-escape') {
    let trapped = true;
    for (let i = 0; i < 14; i++) {
      await tab.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab');
      trapped = trapped && (await focusInsideDialog(tab));
    }
    seen.focusTrapped = trapped;
    await tab.keyboard.press('Escape');
    seen.outcome = await outcome(tab);
    seen.dialogGone = (await tab.$('[role="dialog"]')) === null;
    seen.focusReturnedTo = await tab.evaluate(() => document.activeElement && document.activeElement.id);
    seen.portalInertAfter = await tab.evaluate(() => document.querySelector('main').inert);
  } else if (scenario === 'decline') {
    await tab.click('[role="dialog"] button[value="decline-all"]');
    seen.outcome = await outcome(tab);
  } else if (scenario === 'accept') {
    // A double click: the second is ignored while the first is sent.
    await tab.dblclick('[role="dialog"] button[value="accept-all"]');
    seen.outcome = await outcome(tab);
  } else if (scenario === 'withdraw') {
    await tab.click('[role="dialog"] label[for="e360c-item-1"]');
    seen.checkedAfterUntick = await tab.$$eval('[role="dialog"] input[type=checkbox]', (boxes) => boxes.map((b) => b.checked));
    await tab.click('[role="dialog"] button[value="save"]');
    seen.outcome = await outcome(tab);
  } else if (scenario === 'keyboard') {
    const path = [];
    for (let i = 0; i < 20; i++) {
      await tab.keyboard.press('Tab');
      const focused = await tab.evaluate(() => document.activeElement.value || document.activeElement.id);
      path.push(focused);
      if (focused === 'accept-all') {
        break;
      }
    }
    seen.tabPath = path;
    await tab.keyboard.press('Enter');
    seen.outcome = await outcome(tab);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }

  return seen;
}

(async () => {
  await new Promise((resolve) => portal.listen(0, '127.0.0.1', resolve));
  const portalUrl = `http://127.0.0.1:${portal.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const seen = await run(browser, portalUrl);
    console.log(JSON.stringify(seen));
  } finally {
    await browser.close();
    portal.close();
  }
})().catch((err) => { console.error(err); process.exit(3); });
