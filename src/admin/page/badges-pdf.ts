// Badges as a PDF, 8 to an A4 page (2 columns, dashed cut lines): the pupil's name and class,
// and a large QR code of the badge URL (`<ISSUER>/badge#<secret>`) to show to the camera on
// CONNEXION. The secret is printed only as the QR code, never as text a child could copy out.
import type { PrintedBadge } from '../../domain/badges.js';
import { a4Document, BOLD, cutLines, drawQr, PAGE, REGULAR } from '../api/connectionSheets/pdf.js';

const COLUMNS = 2;
const ROWS = 4;

export function badgesPdf(badges: readonly PrintedBadge[], badgeUrl: (secret: string) => string): Promise<Buffer> {
  const { doc, done } = a4Document('Badges de connexion', 0);
  const w = PAGE.width / COLUMNS;
  const h = PAGE.height / ROWS;
  const pad = 16;
  // Large enough for a tablet's camera at arm's length, leaving the text a readable column.
  const qr = 130;
  badges.forEach((badge, i) => {
    const cell = i % (COLUMNS * ROWS);
    if (cell === 0) {
      doc.addPage();
      cutLines(doc, COLUMNS, ROWS);
    }
    const x = (cell % COLUMNS) * w;
    const y = Math.floor(cell / COLUMNS) * h;
    drawQr(doc, badgeUrl(badge.secret), x + pad, y + (h - qr) / 2, qr);
    const left = x + pad + qr + 8;
    const width = w - (left - x) - pad;
    const line = (text: string, font: string, size: number, color = '#000') =>
      doc
        .font(font)
        .fontSize(size)
        .fillColor(color)
        .text(text, left, doc.y, { width, ellipsis: true, height: size * 6 });
    doc.y = y + pad + 6;
    line('Badge ENT', BOLD, 9, '#444');
    doc.moveDown(0.4);
    line(badge.displayName, BOLD, 14);
    line(`Classe ${badge.className}`, REGULAR, 10);
    doc.moveDown(0.6);
    line('Sur CONNEXION, touche « Scanner mon badge » et montre ce carré à la caméra.', REGULAR, 8);
    doc.moveDown(0.4);
    line('Ne le prête pas. Perdu ? Dis-le à ton enseignant.', REGULAR, 8, '#444');
  });
  doc.end();
  return done;
}
