// Serves public/ (the bundled page and the script-tag pages) and the message server on one origin;
// prints the port. The browser check opens its pages.
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createMessageServer } from 'transport-lab/server';

const require = createRequire(import.meta.url);
const files = {
  '/': ['public/index.html', 'text/html'],
  '/page.js': ['public/page.js', 'text/javascript'],
  '/script-tag.html': ['public/script-tag.html', 'text/html'],
  '/transport-lab.min.js': [require.resolve('transport-lab/browser/transport-lab.min.js'), 'text/javascript'],
};
const server = http.createServer((req, res) => {
  const file = files[req.url];
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file[1] });
  createReadStream(file[0]).pipe(res);
});
const rt = createMessageServer({ server });
rt.on('connection', (conn) => conn.on('message', (data) => conn.send({ echo: data })));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
