// Type-checked with `tsc --noEmit` (tsconfig.json) against the installed package's declarations.
import { createMessageServer, type MessageServerOptions } from 'transport-lab/server';
import { connect, type ClientOptions, type TransportName } from 'transport-lab/client';
import { CloseCodes, DEFAULTS } from 'transport-lab/protocol';
import { defineScenario, type ResultsFile, type Scenario } from 'transport-lab/scenarios';
import { renderMarkdown } from 'transport-lab/reports';

const serverOptions: MessageServerOptions = { basePath: '/rt', heartbeatMs: DEFAULTS.heartbeatMs };
const rt = createMessageServer(serverOptions);
rt.on('connection', (conn) => {
  conn.on('message', (data: unknown) => conn.send({ echo: data }));
});

const clientOptions: ClientOptions = { transports: ['websocket', 'sse', 'long-polling'] };
const client = connect('http://localhost:3000/rt', clientOptions);
client.on('open', ({ transport }) => {
  const name: TransportName = transport;
  client.send({ hello: name });
});

const scenario: Scenario = defineScenario({
  name: 'typed',
  description: 'A scenario written against the public types of transport-lab/scenarios.',
  clients: 2,
  duration: '5s',
  payload: { bytes: 120 },
  traffic: { pattern: 'push', rate: 5 },
});
const summary = (results: ResultsFile): string => renderMarkdown(results);

export { rt, client, scenario, summary, CloseCodes };

// The types are precise, not `any`: each line below must be a type error.
// @ts-expect-error: not a transport
connect('http://localhost:3000/rt', { transports: ['carrier-pigeon'] });
// @ts-expect-error: heartbeatMs is a number
createMessageServer({ heartbeatMs: 'often' });
client.on('open', ({ transport }) => {
  // @ts-expect-error: a transport is a name, not a number
  const wrong: number = transport;
  return wrong;
});
