import { createMessageServer } from '../server/index.js';
import { connect } from '../client/index.js';
const srv = createMessageServer({});
srv.on('connection', (conn) => { conn.send('#welcome'); conn.on('message', (d) => conn.send(d)); });
const { port } = await srv.listen(0, '127.0.0.1');
for (const t of ['sse', 'long-polling'] as const) {
  const c = connect(`http://127.0.0.1:${port}/rt`, { transports: [t] });
  c.on('open', () => { console.log(t, 'open'); c.send('hi 1'); setTimeout(() => c.send('hi 2'), 50); });
  c.on('message', (m) => console.log(t, 'msg', m));
  c.on('reconnecting', (r) => console.log(t, 'reconnecting', r));
  c.on('error', (e) => console.log(t, 'error', e));
  await new Promise((r) => setTimeout(r, 800));
  c.close();
}
await srv.close();
