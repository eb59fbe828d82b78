/** The agent's connection handling without probing: hello, token, limits, idle, framing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError, AgentProber, AgentServer, LineSplitter, parseAgentAddress } from '../../../lib/agent';

const TOKEN = 'unit-token-0123456789';

async function withServer(options: ConstructorParameters<typeof AgentServer>[0], body: (address: string, server: AgentServer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-agent-unit-'));
  const server = new AgentServer(options);
  try {
    await server.listenUnix(join(dir, 'a.sock'));
    await body(`unix:${join(dir, 'a.sock')}`, server);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Raw lines from the agent for what `send` writes, until `until` matches or 3 s pass. */
async function rawExchange(path: string, send: string, until: (lines: Record<string, unknown>[]) => boolean): Promise<{ lines: Record<string, unknown>[]; closed: boolean }> {
  const sock = net.connect(path);
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  let closed = false;
  sock.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  sock.write(send);
  const t0 = Date.now();
  while (!until(lines) && !closed && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  sock.destroy();
  return { lines, closed };
}

test('hello: token checked (missing, wrong, shorter, longer), versions negotiated, no hello in time = closed', async () => {
  await withServer({ token: TOKEN, helloMs: 200 }, async (address, server) => {
    for (const token of [undefined, 'x', TOKEN.slice(0, -1), TOKEN + 'x', TOKEN.toUpperCase()]) {
      await assert.rejects(AgentProber.connect(address, { token }), (e: unknown) => e instanceof AgentError && e.code === 'unauthorized');
    }
    const ok = await AgentProber.connect(address, { token: TOKEN });
    assert.deepEqual(ok.info?.limits, server.limits);
    assert.equal((await ok.agentStats()).connections, 1);
    ok.close();
    const path = address.slice(5);
    const v2 = await rawExchange(path, JSON.stringify({ type: 'hello', versions: [2, 3], token: TOKEN }) + '\n', (l) => l.length > 0);
    assert.equal(v2.lines[0].code, 'unsupported-version');
    assert.match(String(v2.lines[0].message), /speaks protocol version 1; the client offered \[2,3\]/);
    assert.equal(v2.closed, true);
    const silent = await rawExchange(path, '', (l) => l.length > 0);
    assert.equal(silent.lines[0].code, 'unauthorized');
    assert.match(String(silent.lines[0].message), /no hello within 200 ms/);
    assert.equal(silent.closed, true);
  });
});

test('limits: connections, idle connections closed, a TCP agent needs a token, bad options named', async () => {
  await withServer({ maxConnections: 1, idleMs: 150 }, async (address) => {
    const first = await AgentProber.connect(address);
    await assert.rejects(AgentProber.connect(address), (e: unknown) => e instanceof AgentError && e.code === 'too-many-requests' && /at most 1 connections/.test(e.message));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(first.connected, false, 'idle connection closed');
    await assert.rejects(first.agentStats(), (e: unknown) => e instanceof AgentError && /idle for 150 ms/.test(e.message));
  });
  assert.throws(() => new AgentServer({}).listenTcp(0), /token must be set \(a TCP agent serves nobody without a token/);
  assert.throws(() => new AgentServer({ token: 'short' }), /token must be a string of at least 16 characters, got "\(hidden\)"/);
  assert.throws(() => new AgentServer({ maxRequests: 0 }), /maxRequests must be an integer from 1 to 10000, got 0/);
  assert.throws(() => parseAgentAddress('tcp://host'), /agent must be 'unix:\/path\/to\/socket', 'tcp:\/\/host:port' or 'stdio', got "tcp:\/\/host"/);
  assert.throws(() => parseAgentAddress('tcp://[::1]:70000'), /port from 1 to 65535/);
  assert.deepEqual(parseAgentAddress('tcp://[::1]:7000'), { kind: 'tcp', host: '::1', port: 7000 });
  assert.deepEqual(parseAgentAddress('tcp://127.0.0.1:0', 'listen', true), { kind: 'tcp', host: '127.0.0.1', port: 0 });
});

test('LineSplitter: lines across chunks, an oversized line dropped up to its newline, the next one kept', () => {
  const got: string[] = [];
  let over = 0;
  const s = new LineSplitter(10, (l) => got.push(l), () => over++);
  s.push(Buffer.from('ab'));
  s.push(Buffer.from('c\n0123456789'));
  s.push(Buffer.from('0123\nok\n\n'));
  s.push(Buffer.from('x'.repeat(11) + '\nlast\n'));
  assert.deepEqual(got, ['abc', 'ok', 'last']);
  assert.equal(over, 2);
  // The dropped line's start is handed over (its request id is there).
  const heads: string[] = [];
  const h = new LineSplitter(10, () => {}, (head) => heads.push(head));
  h.push(Buffer.from('{"id":"7",'));
  h.push(Buffer.from('"pad":"xx"}\n'));
  h.push(Buffer.from('y'.repeat(300) + '\n'));
  assert.deepEqual(heads, ['{"id":"7","pad":"xx"}', 'y'.repeat(256)]);
});

test('an oversized request fails with its own id (a client waiting on it is not left hanging); other lines, no id', async () => {
  await withServer({ maxLineBytes: 1024 }, async (address) => {
    const big = `{"type":"request","id":"r9","method":"probeBatch","params":{"specs":"${'x'.repeat(2000)}"}}\n`;
    const { lines } = await rawExchange(address.slice('unix:'.length), '{"type":"hello","versions":[1]}\n' + big + `{"pad":"${'z'.repeat(2000)}"}\n`, (l) => l.filter((x) => x.code === 'too-large').length === 2);
    assert.deepEqual(lines.filter((x) => x.code === 'too-large').map((x) => x.id), ['r9', null]);
  });
});
