/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose */
// CommonJS: require() of the package's ES modules (Node >= 20.19, require(esm)). Prints the type of
// one export per entry, and the message a WebSocket round trip brought back.
const { createMessageServer } = require('transport-lab/server');
const { connect } = require('transport-lab/client');
const { CloseCodes } = require('transport-lab/protocol');
const { defineScenario } = require('transport-lab/scenarios');
const { renderHtml } = require('transport-lab/reports');

async function main() {
  const rt = createMessageServer();
  rt.on('connection', (conn) => conn.on('message', (data) => conn.send(data)));
  const { port } = await rt.listen(0);
  const client = connect(`http://127.0.0.1:${port}/rt`, { transports: ['websocket'] });
  const echoed = await new Promise((resolve) => {
    client.on('open', () => client.send('from require'));
    client.on('message', resolve);
  });
  client.close();
  await rt.close();
  const types = [createMessageServer, connect, defineScenario, renderHtml].map((f) => typeof f);
  console.log(JSON.stringify({ types, normal: CloseCodes.NORMAL, echoed }));
}
main();
