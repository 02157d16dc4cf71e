// Reads a PDF the way a person with a phone would: its text, and the QR codes of each page
// rendered to pixels and cut in `columns` × `rows` cells. Rendering takes seconds of CPU, so
// it runs in a worker thread: the test process (which also runs the server under test) keeps
// answering meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import jsQRModule from 'jsqr';
import { PDFParse } from 'pdf-parse';
import { PNG } from 'pngjs';

const jsQR = jsQRModule.default ?? jsQRModule;
const { pdf, columns, rows } = workerData;
const parser = new PDFParse({ data: new Uint8Array(pdf) });
const text = (await parser.getText()).text;
const shots = await parser.getScreenshot({ scale: 2, imageDataUrl: false });
await parser.destroy();
const codes = [];
for (const shot of shots.pages) {
  const image = PNG.sync.read(Buffer.from(shot.data));
  const cw = Math.floor(image.width / columns);
  const ch = Math.floor(image.height / rows);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) {
      const cell = new Uint8ClampedArray(cw * ch * 4);
      for (let y = 0; y < ch; y++) {
        const from = ((r * ch + y) * image.width + c * cw) * 4;
        cell.set(image.data.subarray(from, from + cw * 4), y * cw * 4);
      }
      const data = jsQR(cell, cw, ch)?.data;
      if (data) codes.push(data);
    }
}
parentPort.postMessage({ text, codes });
