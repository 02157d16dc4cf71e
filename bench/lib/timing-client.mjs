// bench/enumeration.ts's clock, in its own process: a remote attacker's clock does not see
// what the server does after it has answered (the recovery lookups, a mail being composed),
// but a client in the server's process would, since that work runs on the same event loop
// before the client reads the reply. The parent sends { id, url, headers, body } over IPC;
// the answer is { id, status, html, ms }, ms stopping when the reply's headers arrive.
process.on('message', async ({ id, url, headers, body }) => {
  try {
    const start = process.hrtime.bigint();
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.send({ id, status: res.status, html: await res.text(), ms });
  } catch (err) {
    process.send({ id, error: String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
