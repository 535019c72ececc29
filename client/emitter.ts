/** A small typed event emitter that runs in browsers and Node alike. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return this;
  }

  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): this {
    const wrapper = (payload: Events[K]) => {
      this.off(event, wrapper);
      listener(payload);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): this {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
    return this;
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        // A throwing listener must not break the protocol machinery; surface it asynchronously.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}
