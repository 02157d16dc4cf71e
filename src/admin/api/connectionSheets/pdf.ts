// Connection sheets as a PDF: one A4 page per account, or 4 or 8 sheets to a page (2 columns,
// dashed cut lines between them) for a whole class. Every sheet carries a QR code, drawn as
// vector squares, of the provider's CONNEXION entry with the identifiant filled in
// (`<ISSUER>/connexion?identifiant=…`, src/domain/login/entry-url.ts): never the code.
// The text is set in DejaVu Sans, embedded (only the glyphs used): pdfkit's built-in
// Helvetica encodes WinAnsi only, and families' names go beyond it (Łukasz, Ștefan, Nguyễn,
// Çağrı, Ελένη, Дмитрий…). Names are drawn as text, never interpreted.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';
import type { SheetsPerPage } from './schema.js';
import { forParentOf, frenchDate, kindLabel, signInSteps, stepsHeading, validUntil } from './text.js';

const fontFile = (name: string) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}`);
/** Read once, on the first sheet; pdfkit parses them per document. */
let fonts: { regular: Buffer; bold: Buffer } | undefined;
const loadFonts = () =>
  (fonts ??= {
    regular: readFileSync(fontFile('DejaVuSans.ttf')),
    bold: readFileSync(fontFile('DejaVuSans-Bold.ttf')),
  });

export const REGULAR = 'Sans';
export const BOLD = 'Sans-Bold';
/** A4 in points. */
export const PAGE = { width: 595.28, height: 841.89 };
/** White modules around the symbol, as the QR specification asks. */
const QUIET_ZONE = 4;

export interface SheetsPdfOptions {
  perPage?: SheetsPerPage;
  /** The URL a sheet's QR code opens for an identifiant. */
  entryUrl: (login: string) => string;
}

export type Doc = InstanceType<typeof PDFDocument>;

/** The QR code of `text` as dark squares in a `size`-point square at (x, y), quiet zone included. */
export function drawQr(doc: Doc, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const unit = size / (modules.size + 2 * QUIET_ZONE);
  doc.save().fillColor('#000');
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++)
      if (modules.get(r, c)) doc.rect(x + (c + QUIET_ZONE) * unit, y + (r + QUIET_ZONE) * unit, unit, unit);
  doc.fill().restore();
}

const placeOf = (row: ConnectionSheetRow) => [row.structureName, row.className].filter(Boolean).join(' — ');

/** The whole page for one account: the steps in full (the historical layout, plus the QR code). */
function fullSheet(doc: Doc, row: ConnectionSheetRow, url: string): void {
  const margin = 56;
  const qr = 120;
  const textWidth = PAGE.width - 2 * margin - qr - 16;
  drawQr(doc, url, PAGE.width - margin - qr, margin - 8, qr);
  doc
    .fontSize(8)
    .fillColor('#444')
    .text('Code QR : ouvre CONNEXION', PAGE.width - margin - qr, margin + qr - 4, {
      width: qr,
      align: 'center',
    });
  doc
    .fillColor('#000')
    .font(BOLD)
    .fontSize(20)
    .text("Fiche de connexion à l'ENT", margin, margin, { width: textWidth });
  doc.font(REGULAR).fontSize(11).fillColor('#444').text(placeOf(row), { width: textWidth });
  doc.moveDown(1.5).fillColor('#000');

  doc.font(BOLD).fontSize(16).text(row.displayName, { width: textWidth });
  const parentOf = forParentOf(row);
  if (parentOf) doc.font(REGULAR).fontSize(12).text(parentOf, { width: textWidth });
  doc.moveDown(0.5).font(REGULAR).fontSize(12);
  if (row.birthDate) doc.text(`Date de naissance : ${frenchDate(row.birthDate)}`, { width: textWidth });
  doc.text(`Identifiant : ${row.login}`, { width: textWidth });
  doc.y = Math.max(doc.y, margin + qr + 12);
  if (row.code) {
    doc.font(BOLD).text(`${kindLabel(row.kind)} : ${row.code}`, margin);
    doc
      .font(REGULAR)
      .fontSize(10)
      .text(`Valable jusqu'au ${validUntil(row)}. Ce code ne sera plus valable si un nouveau code est généré.`);
    doc.fontSize(12);
  } else {
    doc.font(BOLD).text('Aucun code en cours', margin);
    doc.font(REGULAR).fontSize(10).text(noCodeText(row));
    doc.fontSize(12);
  }
  doc.text(`Adresse de l'ENT : ${row.entAddress}`);

  if (row.code) {
    doc.moveDown(1.5).font(BOLD).fontSize(13).text(stepsHeading(row));
    doc.moveDown(0.5).font(REGULAR).fontSize(12);
    signInSteps(row).forEach((step, i) => doc.text(`${i + 1}. ${step}`, { paragraphGap: 6 }));
  }
}

const noCodeText = (row: ConnectionSheetRow) =>
  row.state === 'blocked'
    ? 'Ce compte est bloqué.'
    : 'Ce compte a déjà un mot de passe. Pour en choisir un nouveau, demandez un code de renouvellement à votre enseignant.';

/** One sheet in a cell of the grid: who, identifiant, code, validity, address, QR code. */
function compactSheet(doc: Doc, row: ConnectionSheetRow, url: string, x: number, y: number, w: number, h: number) {
  const pad = 18;
  const qr = Math.min(110, h - 2 * pad - 14);
  const textWidth = w - 2 * pad - qr - 8;
  const left = x + pad;
  const line = (text: string, font: string, size: number, color = '#000') =>
    doc
      .font(font)
      .fontSize(size)
      .fillColor(color)
      .text(text, left, doc.y, {
        width: textWidth,
        height: size * 2.6,
        ellipsis: true,
      });

  drawQr(doc, url, x + w - pad - qr, y + pad, qr);
  doc
    .font(REGULAR)
    .fontSize(7)
    .fillColor('#444')
    .text('Code QR : ouvre CONNEXION', x + w - pad - qr, y + pad + qr, { width: qr, align: 'center' });

  doc.y = y + pad;
  line("Fiche de connexion à l'ENT", BOLD, 9, '#444');
  line(placeOf(row), REGULAR, 8, '#444');
  doc.moveDown(0.3);
  line(row.displayName, BOLD, 13);
  const parentOf = forParentOf(row);
  if (parentOf) line(parentOf, REGULAR, 9);
  doc.moveDown(0.3);
  line(`Identifiant : ${row.login}`, REGULAR, 10);
  if (row.code) {
    // The code on a line of its own: never cut by the ellipsis of a long label.
    line(`${kindLabel(row.kind)} :`, REGULAR, 9);
    line(row.code, BOLD, 14);
    line(`Valable jusqu'au ${validUntil(row)}`, REGULAR, 8);
  } else {
    line('Aucun code en cours', BOLD, 10);
    line(noCodeText(row), REGULAR, 7);
  }
  doc.moveDown(0.3);
  line(row.entAddress ? `Adresse de l'ENT : ${row.entAddress}` : '', REGULAR, 8);
  if (row.code) {
    const bottom = y + h - pad;
    if (doc.y < bottom - 30) {
      doc.moveDown(0.3);
      line(stepsHeading(row), BOLD, 8);
      line('Identifiant, puis le code dans « Mot de passe », puis CONNEXION.', REGULAR, 8);
    }
  }
}

/** Dashed cut lines between the cells, from edge to edge. */
export function cutLines(doc: Doc, columns: number, rows: number): void {
  doc.save().lineWidth(0.5).strokeColor('#888').dash(4, { space: 3 });
  for (let c = 1; c < columns; c++) {
    const x = (PAGE.width / columns) * c;
    doc.moveTo(x, 0).lineTo(x, PAGE.height).stroke();
  }
  for (let r = 1; r < rows; r++) {
    const y = (PAGE.height / rows) * r;
    doc.moveTo(0, y).lineTo(PAGE.width, y).stroke();
  }
  doc.undash().restore();
}

/** An A4 document with the embedded fonts, and its bytes once `doc.end()` is called. */
export function a4Document(title: string, margin: number): { doc: Doc; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', margin, autoFirstPage: false, info: { Title: title, Author: 'ENT' } });
  const { regular, bold } = loadFonts();
  doc.registerFont(REGULAR, regular);
  doc.registerFont(BOLD, bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

export function connectionSheetsPdf(rows: ConnectionSheetRow[], options: SheetsPdfOptions): Promise<Buffer> {
  const perPage = options.perPage ?? 1;
  const { doc, done } = a4Document('Fiches de connexion', perPage === 1 ? 56 : 0);
  const columns = perPage === 1 ? 1 : 2;
  const gridRows = perPage / columns;
  const w = PAGE.width / columns;
  const h = PAGE.height / gridRows;
  rows.forEach((row, i) => {
    const cell = i % perPage;
    if (cell === 0) {
      doc.addPage();
      if (perPage > 1) cutLines(doc, columns, gridRows);
    }
    const url = options.entryUrl(row.login);
    if (perPage === 1) fullSheet(doc, row, url);
    else compactSheet(doc, row, url, (cell % columns) * w, Math.floor(cell / columns) * h, w, h);
  });
  doc.end();
  return done;
}
