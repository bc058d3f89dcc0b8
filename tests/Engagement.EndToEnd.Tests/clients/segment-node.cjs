// Segment's own Node.js library, unchanged but for its host setting.
const { Analytics } = require('@segment/analytics-node');

const run = process.env.RUN_ID;
const analytics = new Analytics({
  writeKey: process.env.WRITE_KEY,
  host: process.env.ENGAGE_URL,
  flushAt: 3,
  flushInterval: 200,
  maxRetries: 2,
});
analytics.on('error', (err) => { console.error('client error', err); process.exitCode = 3; });

const anonymousId = `anon-${run}`;
const userId = `user-${run}`;
analytics.page({ anonymousId, name: 'Pension calculator', properties: { url: 'https://www.example-finance.cz/penze/kalkulacka-duchodu?utm_campaign=pension-2026', path: '/penze/kalkulacka-duchodu', title: 'Kalkulačka důchodu' } });
analytics.track({ anonymousId, event: 'Product Viewed', properties: { product_id: 'pension-plan', price: 1000 } });
analytics.identify({ anonymousId, userId, traits: { email: `${run}@example.cz`, firstName: 'Jana', plan: 'gold' } });
analytics.track({ userId, anonymousId, event: 'Order Completed', properties: { order_id: `o-${run}`, revenue: 1000 } });
analytics.screen({ userId, name: 'Portfolio overview', properties: { section: 'pension' } });
analytics.group({ userId, groupId: `household-${run}`, traits: { members: 3 } });
analytics.alias({ userId, previousId: `legacy-${run}` });

analytics.closeAndFlush({ timeout: 20000 }).then(() => console.log('flushed'));
