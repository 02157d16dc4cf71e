// Child process: the bound for the login bench. A bare argon2id verify loop at the same
// parameters, concurrency and UV_THREADPOOL_SIZE as the server, for a bounded time and
// count. Plain JavaScript, like the server child.
//   argv: concurrency seconds maxVerifies; env: ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM
import argon2 from 'argon2';
import { childMain, reply } from './child.mjs';

childMain(async () => {
  const [concurrency, seconds, maxVerifies] = process.argv.slice(2).map(Number);
  const memoryCost = Number(process.env.ARGON2_MEMORY_KIB);
  const timeCost = Number(process.env.ARGON2_TIME_COST);
  const parallelism = Number(process.env.ARGON2_PARALLELISM);
  const password = 'une phrase de passe pour le banc';
  const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  // Warm-up: the threadpool and the allocator, as the server's first logins would.
  await Promise.all(Array.from({ length: concurrency }, () => argon2.verify(hash, password)));
  let done = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && done < maxVerifies) {
        if (!(await argon2.verify(hash, password))) throw new Error('verify failed');
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  reply({
    type: 'result',
    cpuPerVerifyMs: (cpu.user + cpu.system) / 1000 / done,
    verifies: done,
    seconds: elapsed,
    perSecond: done / elapsed,
    params: `m=${memoryCost} t=${timeCost} p=${parallelism}`,
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  });
  process.exit(0);
});
