// IPC helpers for the plain-JavaScript children (the servers under test run as compiled
// JavaScript from dist/, as `npm start` does: no TypeScript loader in the measured process).
// Same protocol as proc.ts: `{ type, ... }` messages; `stop` ends the child.

/** @param {{ type: string } & Record<string, unknown>} message */
export function reply(message) {
  process.send?.(message);
}

/** @param {() => Promise<void>} main */
export function childMain(main) {
  main().catch((err) => {
    reply({ type: 'error', message: err?.stack ?? String(err) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  });
}

/** Resolves with the next message of this type from the coordinator. @param {string} type */
export function nextMessage(type) {
  return new Promise((resolve) => {
    const listener = (m) => {
      if (m?.type !== type) return;
      process.off('message', listener);
      resolve(m);
    };
    process.on('message', listener);
    if (type === 'stop') process.once('disconnect', () => resolve({ type: 'stop' }));
  });
}
