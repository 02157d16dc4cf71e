// Pure pieces of the class admin: states, search folding, masked addresses, CSV cells, OpenAPI.
import { accountState, maskEmail } from '../../../src/domain/admin/index.js';
import { searchForm } from '../../../src/domain/search-form.js';
import { connectionSheetsCsv } from '../../../src/admin/api/connectionSheets/csv.js';
import { buildOpenApi } from '../../../src/admin/api/openapi.js';
import { OPERATIONS } from '../../../src/admin/api/index.js';

const live = (kind: 'activation' | 'renewal') => ({ id: 'c', kind, code: 'yxs7ce5d', expiresAt: new Date() });

describe('accountState', () => {
  it('blocked wins, then a renewal code, then an activation code while never activated', () => {
    expect(accountState({ blockedAt: new Date(), passwordHash: null }, live('renewal'))).toBe('blocked');
    expect(accountState({ blockedAt: null, passwordHash: 'h' }, live('renewal'))).toBe('renewal_code');
    expect(accountState({ blockedAt: null, passwordHash: null }, live('renewal'))).toBe('renewal_code');
    expect(accountState({ blockedAt: null, passwordHash: null }, live('activation'))).toBe('activation_code');
    expect(accountState({ blockedAt: null, passwordHash: 'h' }, live('activation'))).toBe('activated');
    expect(accountState({ blockedAt: null, passwordHash: 'h' }, null)).toBe('activated');
  });
});

describe('helpers', () => {
  it('folds searches like the search columns', () => {
    expect(searchForm('  ÉLOÏSE   Lefèvre ')).toBe('eloise lefevre');
    expect(searchForm('Ñúñez')).toBe('nunez');
    expect(searchForm('Jean\u00a0\tPierre')).toBe('jean pierre');
  });

  it('masks addresses', () => {
    expect(maskEmail('pierre@example.fr')).toBe('p***@example.fr');
    expect(maskEmail('nope')).toBe('***');
  });

  it('quotes every CSV cell, defuses spreadsheet formulas, flattens control characters, keeps a BOM', () => {
    const csv = connectionSheetsCsv([
      {
        accountId: 'a',
        classId: null,
        firstName: '=HYPERLINK("x")',
        lastName: "O'Brien-Ñúñez",
        displayName: '',
        birthDate: '2010-08-01',
        login: 'enfant.test',
        profile: 'Student',
        kind: 'renewal',
        code: 'yxs7ce5d',
        codeExpiresAt: new Date(),
        state: 'renewal_code',
        entAddress: 'https://ecole.entsomme.fr',
        structureName: '',
        className: '',
      },
    ]);
    expect(csv.startsWith('\ufeff"Nom";"Prénom";')).toBe(true);
    expect(csv).toContain(
      `"O'Brien-Ñúñez";"'=HYPERLINK(""x"")";"01/08/2010";"enfant.test";"yxs7ce5d";"Code de renouvellement";"https://ecole.entsomme.fr"\r\n`,
    );
    const stored = connectionSheetsCsv([
      {
        accountId: 'b',
        classId: null,
        firstName: ' +1',
        lastName: 'Dupont\r\n=2+2\t',
        displayName: '',
        birthDate: null,
        login: 'jean.dupont',
        profile: 'Student',
        kind: null,
        code: null,
        codeExpiresAt: null,
        state: 'activated',
        entAddress: 'https://ecole.entsomme.fr',
        structureName: '',
        className: '',
      },
    ]);
    expect(stored.split('\r\n')[1]).toBe(`"Dupont  =2+2 ";"' +1";"";"jean.dupont";"";"";"https://ecole.entsomme.fr"`);
  });

  it('builds an OpenAPI 3.1 document with problem responses for every authenticated operation', () => {
    const doc = buildOpenApi(OPERATIONS, '/admin/api') as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item))
        if (path !== '/openapi.json')
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '503']));
    }
  });
});
