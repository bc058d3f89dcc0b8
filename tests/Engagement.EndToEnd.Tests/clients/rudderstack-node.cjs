// RudderStack's Node.js SDK: Segment-compatible, gzips every batch by default.
const Analytics = require('@rudderstack/rudder-sdk-node');

const run = process.env.RUN_ID;
const client = new Analytics(process.env.WRITE_KEY, {
  dataPlaneUrl: process.env.ENGAGE_URL,
  flushAt: 20,
  flushInterval: 200,
  logLevel: 'error',
});

const anonymousId = `rs-anon-${run}`;
const userId = `rs-user-${run}`;
client.page({ anonymousId, name: 'Travel insurance', properties: { url: 'https://www.example-finance.cz/cestovani/pojisteni-do-zahranici', path: '/cestovani/pojisteni-do-zahranici' } });
client.identify({ anonymousId, userId, traits: { email: `${run}@example.cz` } });
client.track({ userId, anonymousId, event: 'Order Completed', properties: { revenue: 290 } });

client.flush().then(() => console.log('flushed')).catch((err) => { console.error(err); process.exit(3); });
