// Types of threads.mjs (plain JavaScript, imported by the measured children and the load generators).
export function threadIds(pid?: number): number[];
export function threadCpuMs(pid: number, tid: number): number;
export function threadsCpuMs(pid: number, tids: readonly number[]): number;
export function threadsRunning(burst: () => Promise<unknown>, minMs?: number): Promise<number[]>;
export function poolThreads(): Promise<number[]>;
