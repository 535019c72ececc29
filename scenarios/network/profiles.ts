/**
 * Named network profiles: what the proxy emulates between a client and the server.
 *
 * Each direction gets half the RTT as delay, ± jitter (uniform, never reordering bytes) and its own
 * bandwidth cap. Figures are typical published values for each access type, rounded; they are
 * parameters of the emulation, not measurements.
 */
export interface NetworkProfile {
  name: string;
  /** Round-trip time added by the proxy; each direction is delayed by rttMs / 2. */
  rttMs: number;
  /** Each chunk's one-way delay varies uniformly within ±jitterMs (never below 0, never reordered). */
  jitterMs: number;
  /** Server → client cap in kilobits per second (1 kbit = 1000 bits); null = uncapped. */
  downKbps: number | null;
  /** Client → server cap in kilobits per second; null = uncapped. */
  upKbps: number | null;
}

export const NETWORK_PROFILES = {
  loopback: { name: 'loopback', rttMs: 0, jitterMs: 0, downKbps: null, upKbps: null },
  lan: { name: 'lan', rttMs: 1, jitterMs: 0, downKbps: null, upKbps: null },
  broadband: { name: 'broadband', rttMs: 30, jitterMs: 2, downKbps: 50_000, upKbps: 10_000 },
  // Round trips alone, nothing else: what each handshake round trip (TCP, TLS, HTTP) costs.
  'rtt-50ms': { name: 'rtt-50ms', rttMs: 50, jitterMs: 0, downKbps: null, upKbps: null },
  '4g': { name: '4g', rttMs: 60, jitterMs: 10, downKbps: 20_000, upKbps: 5_000 },
  '3g': { name: '3g', rttMs: 200, jitterMs: 20, downKbps: 1_600, upKbps: 750 },
  satellite: { name: 'satellite', rttMs: 600, jitterMs: 20, downKbps: 15_000, upKbps: 3_000 },
} as const satisfies Record<string, NetworkProfile>;

export type NetworkProfileName = keyof typeof NETWORK_PROFILES;

export const NETWORK_PROFILE_NAMES = Object.keys(NETWORK_PROFILES) as NetworkProfileName[];

/**
 * `rtt:<ms>`: a plain delay line — that round-trip time, no jitter, no bandwidth cap. What the
 * prediction tests and the claims use: with nothing else in the way, each figure is a whole number
 * of round trips (or halves) that can be predicted and checked.
 */
const RTT_PROFILE = /^rtt:(\d+(?:\.\d+)?)$/;
export const RTT_PROFILE_USAGE = 'rtt:<ms>';

/** Looks a profile up by name (or `rtt:<ms>`); throws an Error naming the valid profiles when there is none. */
export function getProfile(name: string): NetworkProfile {
  if (Object.hasOwn(NETWORK_PROFILES, name)) return NETWORK_PROFILES[name as NetworkProfileName];
  const rtt = RTT_PROFILE.exec(name);
  if (rtt && Number(rtt[1]) > 0 && Number(rtt[1]) <= 10_000)
    return { name, rttMs: Number(rtt[1]), jitterMs: 0, downKbps: null, upKbps: null };
  throw new Error(
    `Unknown network profile ${JSON.stringify(name)}; valid profiles: ${NETWORK_PROFILE_NAMES.join(', ')}, or ${RTT_PROFILE_USAGE} (a plain delay, e.g. rtt:100)`,
  );
}

/** Accepts a profile name or a profile object (validated), for APIs that take either. */
export function resolveProfile(network: string | NetworkProfile | undefined): NetworkProfile {
  if (network === undefined) return NETWORK_PROFILES.loopback;
  if (typeof network === 'string') return getProfile(network);
  const bad = (field: string) => new Error(`Network profile ${JSON.stringify(network.name)}: ${field}`);
  if (!(network.rttMs >= 0)) throw bad('rttMs must be a number ≥ 0');
  if (!(network.jitterMs >= 0)) throw bad('jitterMs must be a number ≥ 0');
  for (const cap of ['downKbps', 'upKbps'] as const) {
    const v = network[cap];
    if (v !== null && !(v > 0)) throw bad(`${cap} must be null (uncapped) or a number > 0`);
  }
  return network;
}
