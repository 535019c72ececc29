// A browser page's script, bundled by esbuild with default options: `transport-lab/client` must
// resolve to the browser entry (native WebSocket), so the client ends on WebSocket.
import { connect } from 'transport-lab/client';

const client = connect(`${location.origin}/rt`);
const changes = [];
client.on('transport', ({ from, to, reason, attempts }) => changes.push({ from, to, reason, attempts }));
client.on('open', () => client.send('ping from a bundle'));
client.on('message', (data) => {
  window.result = { transport: client.transport, data, changes };
});
