/**
 * Request/response over a message channel (a worker's port or a child process's IPC). The runner
 * calls; workers and the server process serve. Errors travel back as messages and are rethrown.
 */
export interface Endpoint {
  post(message: unknown): void;
  listen(handler: (message: unknown) => void): void;
}

type Request = { rpc: 'call'; id: number; method: string; args: unknown };
type Response = { rpc: 'reply'; id: number; result?: unknown; error?: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares its own argument type
export type Handlers = Record<string, (args: any) => unknown>;

export function serve(endpoint: Endpoint, handlers: Handlers): void {
  endpoint.listen(async (message) => {
    const req = message as Request;
    if (req?.rpc !== 'call') return;
    try {
      const handler = handlers[req.method];
      if (!handler) throw new Error(`no such method: ${req.method}`);
      endpoint.post({ rpc: 'reply', id: req.id, result: await handler(req.args) } satisfies Response);
    } catch (err) {
      endpoint.post({
        rpc: 'reply',
        id: req.id,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  });
}

/** What the runner needs of a helper: call a method, get its answer. */
export interface Callable {
  call<T = unknown>(method: string, args?: unknown, timeoutMs?: number): Promise<T>;
}

/**
 * The same handlers called in this thread (browser clients: their host runs beside the runner).
 * Answers are not copied, and a handler that never settles is cut off after `timeoutMs` like a
 * remote one.
 */
export function localCaller(handlers: Handlers): Callable {
  return {
    call<T>(method: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
      const handler = handlers[method];
      if (!handler) return Promise.reject(new Error(`no such method: ${method}`));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${method} timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([Promise.resolve().then(() => handler(args) as T), timeout]).finally(() =>
        clearTimeout(timer),
      );
    },
  };
}

export class Caller implements Callable {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly endpoint: Endpoint) {
    endpoint.listen((message) => {
      const res = message as Response;
      if (res?.rpc !== 'reply') return;
      const waiter = this.pending.get(res.id);
      this.pending.delete(res.id);
      if (res.error !== undefined) waiter?.reject(new Error(res.error));
      else waiter?.resolve(res.result);
    });
  }

  call<T = unknown>(method: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.endpoint.post({ rpc: 'call', id, method, args } satisfies Request);
    });
  }

  /** Fails every pending call (the other side died). */
  failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
