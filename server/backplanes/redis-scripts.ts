/**
 * The Redis backplane's Lua scripts: each runs atomically, so what one does is all or nothing. Keys
 * (prefix `p`, default "tl:"): `{p}s:{sid}` the session's hash (epoch, owner, tokens, cursors,
 * rooms, request, user), `{p}o:{sid}` its unacknowledged outbound messages (encoded data envelopes,
 * from ack+1 on), `{p}x:{sid}` a closed session's tombstone, `{p}bus` the broadcast stream,
 * `{p}n:{node}` a node's pub/sub channel. One Redis (not Redis Cluster: the scripts touch many keys).
 */

/**
 * commit: one batch of a node's operations, in groups. A group applies whole or not at all: every
 * session it touches must still have the epoch this node holds (no other node took it over since),
 * and outbound messages must follow the stored sequence without a gap. Returns one digit per group
 * (1 applied, 0 refused); a batch retried after a lost reply returns the first answer again.
 *
 * ARGV: prefix, node, batch key, ttl ms, oldest bus id to keep (ms), then groups:
 *   G <fences> <ops> (<sid> <epoch>)*  followed by <ops> operations, each a code and its arguments:
 *   C sid tok ident req user since   create          A sid seq frame   outbound message
 *   I sid seq                        inbound cursor  K sid ack         client ack (drops what it covers)
 *   R sid rooms                      rooms (JSON)    U sid cursor      bus cursor
 *   T sid tok ptok                   resume tokens
 *   B room except frame              broadcast       E sid tombstone   end ('' when not terminal)
 *   X sid                            keep alive
 */
export const COMMIT = `
local p, node, batch, ttl, minid = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local done = redis.call('GET', batch)
if done then return done end
local ARITY = {C=6, A=3, I=2, K=2, R=2, U=2, T=3, B=3, E=2, X=1}
local outs, status, i = {}, {}, 6
local function s(sid) return p .. 's:' .. sid end
local function o(sid) return p .. 'o:' .. sid end
while i <= #ARGV do
  local nf, nops = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  local ok = true
  for f = 0, nf - 1 do
    if redis.call('HGET', s(ARGV[i + 2 * f]), 'epoch') ~= ARGV[i + 2 * f + 1] then ok = false end
  end
  i = i + 2 * nf
  local first, sim, j = i, {}, i
  for k = 1, nops do
    local code = ARGV[j]
    if code == 'C' then sim[ARGV[j + 1]] = 0 end
    if ok and code == 'A' then
      local sid, seq = ARGV[j + 1], tonumber(ARGV[j + 2])
      local last = sim[sid] or outs[sid] or tonumber(redis.call('HGET', s(sid), 'out') or '-1')
      if seq ~= last + 1 then ok = false end
      sim[sid] = seq
    end
    j = j + 1 + ARITY[code]
  end
  if ok then
    for sid, seq in pairs(sim) do outs[sid] = seq end
    j = first
    for k = 1, nops do
      local code, a, b, c = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
      if code == 'C' then
        redis.call('HSET', s(a), 'epoch', '1', 'owner', node, 'tok', b, 'ptok', '', 'ident', c,
          'req', ARGV[j + 4], 'user', ARGV[j + 5], 'since', ARGV[j + 6], 'cur', ARGV[j + 6],
          'out', '0', 'ack', '0', 'in', '0', 'rooms', '{}')
        redis.call('PEXPIRE', s(a), ttl)
      elseif code == 'A' then
        redis.call('RPUSH', o(a), c)
        redis.call('HSET', s(a), 'out', b)
        redis.call('PEXPIRE', o(a), ttl)
      elseif code == 'I' then
        redis.call('HSET', s(a), 'in', b)
      elseif code == 'K' then
        local old = tonumber(redis.call('HGET', s(a), 'ack') or '0')
        if tonumber(b) > old then
          redis.call('LTRIM', o(a), tonumber(b) - old, -1)
          redis.call('HSET', s(a), 'ack', b)
        end
      elseif code == 'R' then
        redis.call('HSET', s(a), 'rooms', b)
      elseif code == 'U' then
        redis.call('HSET', s(a), 'cur', b)
      elseif code == 'T' then
        redis.call('HSET', s(a), 'tok', b, 'ptok', c)
      elseif code == 'B' then
        redis.call('XADD', p .. 'bus', 'MINID', '~', minid, '*', 'r', a, 'x', b, 'f', c)
      elseif code == 'E' then
        redis.call('DEL', s(a), o(a))
        if b ~= '' then redis.call('SET', p .. 'x:' .. a, b, 'PX', ttl) end
      elseif code == 'X' then
        redis.call('PEXPIRE', s(a), ttl)
        redis.call('PEXPIRE', o(a), ttl)
      end
      j = j + 1 + ARITY[code]
    end
  end
  status[#status + 1] = ok and '1' or '0'
  i = j
end
local result = table.concat(status)
redis.call('SET', batch, result, 'PX', 120000)
return result
`;

/**
 * claim: a client opens a connection for a session on this node. Checks the token (current or
 * previous) and identity, rotates the token, and — when another node held it — takes the session
 * over: a new epoch (that node's writes are refused from now on), a note to that node, and the
 * session's state with every broadcast after its bus cursor, read in the same instant.
 *
 * ARGV: prefix, sid, token, new token ('' for a probe), identity ('' = not checked), node, ttl ms,
 * '1' when this node holds the session in memory (else it is taken over even from this node's name).
 * Returns {'unknown'} | {'closed', tombstone} | {'bad-token'} | {'wrong-user'} | {'here'} |
 *         {'adopted', hash fields, outbound frames, bus entries}.
 */
export const CLAIM = `
local p, sid, token, nextToken, ident, node, ttl, held = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local s, o = p .. 's:' .. sid, p .. 'o:' .. sid
local h = redis.call('HMGET', s, 'epoch', 'tok', 'ptok', 'ident', 'owner', 'cur')
if not h[1] then
  local tomb = redis.call('GET', p .. 'x:' .. sid)
  if tomb then return {'closed', tomb} end
  return {'unknown'}
end
if token ~= h[2] and (h[3] == '' or token ~= h[3]) then return {'bad-token'} end
if ident ~= '' and ident ~= h[4] then return {'wrong-user'} end
if nextToken ~= '' then redis.call('HSET', s, 'tok', nextToken, 'ptok', token) end
redis.call('PEXPIRE', s, ttl)
if h[5] == node and held == '1' then return {'here'} end
redis.call('HSET', s, 'epoch', tostring(tonumber(h[1]) + 1), 'owner', node)
if h[5] ~= node then redis.call('PUBLISH', p .. 'n:' .. h[5], '{"t":"moved","sid":"' .. sid .. '"}\\n') end
return {'adopted', redis.call('HGETALL', s), redis.call('LRANGE', o, 0, -1),
  redis.call('XRANGE', p .. 'bus', '(' .. h[6], '+')}
`;

/**
 * relay: hands a message to the node holding a session. ARGV: prefix, sid, this node, message.
 * Returns 'unknown' (no such session), 'here' (this node holds it), or '<receivers>:<owner>'
 * (0 receivers: that node is gone).
 */
export const RELAY = `
local owner = redis.call('HGET', ARGV[1] .. 's:' .. ARGV[2], 'owner')
if not owner then return 'unknown' end
if owner == ARGV[3] then return 'here' end
return redis.call('PUBLISH', ARGV[1] .. 'n:' .. owner, ARGV[4]) .. ':' .. owner
`;
