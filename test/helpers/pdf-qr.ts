// The text and QR codes of a PDF (see pdf-qr-worker.mjs), read in a worker thread.
import { Worker } from 'node:worker_threads';

export function readPdfQrCodes(
  pdf: Uint8Array,
  grid: { columns: number; rows: number },
): Promise<{ text: string; codes: string[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pdf-qr-worker.mjs', import.meta.url), {
      workerData: { pdf, columns: grid.columns, rows: grid.rows },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
