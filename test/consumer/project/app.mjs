// A plain Node ESM app: server and client from the installed package exchange a message on each
// transport. Prints {transport: {on, data}} as JSON.
import { createMessageServer } from 'transport-lab/server';
import { connect } from 'transport-lab/client';

const rt = createMessageServer();
rt.on('connection', (conn) => conn.on('message', (data) => conn.send({ echo: data })));
const { port } = await rt.listen(0);
const results = {};
for (const transport of ['websocket', 'sse', 'long-polling']) {
  const client = connect(`http://127.0.0.1:${port}/rt`, { transports: [transport] });
  results[transport] = await new Promise((resolve, reject) => {
    client.on('open', () => client.send(`hello over ${transport}`));
    client.on('message', (data) => resolve({ on: client.transport, data }));
    client.on('error', reject);
  });
  client.close();
}
await rt.close();
console.log(JSON.stringify(results));
