/** The demo server's small JSON API (demo/serve.ts): lanes, their stats and records. */
export async function api<T>(path: string, body?: object): Promise<T> {
  const response = await fetch(
    path,
    body ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {},
  );
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/**
 * Retires a lane: the server closes its proxy once it is quiet, so the goodbye of the connection
 * that leaves it still gets through. A beacon, so it also goes out while the page unloads.
 */
export function retireLane(id: string): void {
  navigator.sendBeacon(`/api/lanes/${id}/close`);
}
