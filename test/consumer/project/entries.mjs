// What `transport-lab/server` and `transport-lab/client` (Node) can load: bundled by the consumer
// test with esbuild, which follows static and dynamic imports, and read from the metafile.
export * as server from 'transport-lab/server';
export * as client from 'transport-lab/client';
