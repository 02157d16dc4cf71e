// Connection sheets as a PDF: one A4 page per account. The text is set in DejaVu Sans,
// embedded (only the glyphs used): pdfkit's built-in Helvetica encodes WinAnsi only, and
// families' names go beyond it (Łukasz, Ștefan, Nguyễn, Çağrı, Ελένη, Дмитрий…). Names are
// drawn as text, never interpreted.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';
import { frenchDate, kindLabel, signInSteps } from './text.js';

const fontFile = (name: string) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}`);
/** Read once, on the first sheet; pdfkit parses them per document. */
let fonts: { regular: Buffer; bold: Buffer } | undefined;
const loadFonts = () =>
  (fonts ??= {
    regular: readFileSync(fontFile('DejaVuSans.ttf')),
    bold: readFileSync(fontFile('DejaVuSans-Bold.ttf')),
  });

const REGULAR = 'Sans';
const BOLD = 'Sans-Bold';

export function connectionSheetsPdf(rows: ConnectionSheetRow[]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    autoFirstPage: false,
    info: { Title: 'Fiches de connexion', Author: 'ENT' },
  });
  const { regular, bold } = loadFonts();
  doc.registerFont(REGULAR, regular);
  doc.registerFont(BOLD, bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  for (const row of rows) {
    doc.addPage();
    doc.font(BOLD).fontSize(20).text("Fiche de connexion à l'ENT");
    doc
      .font(REGULAR)
      .fontSize(11)
      .fillColor('#444')
      .text([row.structureName, row.className].filter(Boolean).join(' — '));
    doc.moveDown(1.5).fillColor('#000');

    doc.font(BOLD).fontSize(16).text(row.displayName);
    doc.moveDown(0.5).font(REGULAR).fontSize(12);
    if (row.birthDate) doc.text(`Date de naissance : ${frenchDate(row.birthDate)}`);
    doc.text(`Identifiant : ${row.login}`);
    if (row.code) {
      doc.font(BOLD).text(`${kindLabel(row.kind)} : ${row.code}`);
      doc
        .font(REGULAR)
        .fontSize(10)
        .text(
          `Valable jusqu'au ${row.codeExpiresAt ? row.codeExpiresAt.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' }) : ''}. Ce code ne sera plus valable si un nouveau code est généré.`,
        );
      doc.fontSize(12);
    } else {
      doc.font(BOLD).text('Aucun code en cours');
      doc
        .font(REGULAR)
        .fontSize(10)
        .text(
          row.state === 'blocked'
            ? 'Ce compte est bloqué.'
            : 'Ce compte a déjà un mot de passe. Pour en choisir un nouveau, demandez un code de renouvellement à votre enseignant.',
        );
      doc.fontSize(12);
    }
    doc.text(`Adresse de l'ENT : ${row.entAddress}`);

    if (row.code) {
      doc.moveDown(1.5).font(BOLD).fontSize(13).text('Pour vous connecter la première fois');
      doc.moveDown(0.5).font(REGULAR).fontSize(12);
      signInSteps(row).forEach((step, i) => doc.text(`${i + 1}. ${step}`, { paragraphGap: 6 }));
    }
  }
  doc.end();
  return done;
}
