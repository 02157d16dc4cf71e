// Roster parsing and identifiants, without a database.
import { allocateLogin, foldName, loginBase } from '../../../src/domain/roster/logins.js';
import { checkRow, parseDate } from '../../../src/domain/roster/rows.js';
import { COLUMNS, detectDelimiter, parseRoster, RosterFileError, type RawRow } from '../../../src/domain/roster/csv.js';
import { currentSchoolYear } from '../../../src/domain/school-year.js';

describe('identifiants', () => {
  it('prenom.nom, accents stripped, lowercase, non-letters removed', () => {
    expect(loginBase('Éloïse', "D'Arc-Lemaître")).toBe('eloise.darclemaitre');
    expect(loginBase('Chloé', 'Œuvrard')).toBe('chloe.oeuvrard');
    expect(loginBase('Thi Hoa', 'Nguyen')).toBe('thihoa.nguyen');
    expect(foldName('Ærø 2')).toBe('aero');
    expect(loginBase('', '---')).toBe('compte.ent');
  });
  it('suffixes from 2 on collision', () => {
    const taken = new Set(['lea.dubois', 'lea.dubois2']);
    expect(allocateLogin('lea.dubois', taken)).toBe('lea.dubois3');
    expect(allocateLogin('lea.dubois', taken)).toBe('lea.dubois4');
    expect(allocateLogin('noe.muller', taken)).toBe('noe.muller');
  });
  it('with its memo of suffixes, gives the same identifiants as counting from 2 each time', () => {
    const taken = new Set(['lea.dubois', 'lea.dubois2', 'lea.dubois5', 'tom.roux']);
    const plain = new Set(taken);
    const next = new Map<string, number>();
    const bases = Array.from({ length: 3000 }, (_, i) => ['lea.dubois', 'tom.roux', `x${i % 7}.y`][i % 3]!);
    for (const base of bases) expect(allocateLogin(base, taken, next)).toBe(allocateLogin(base, plain));
    expect(taken).toEqual(plain);
    expect(taken.has('lea.dubois1001')).toBe(true);
  });
});

describe('rows', () => {
  it('dates in JJ/MM/AAAA or ISO, real ones only', () => {
    expect(parseDate('01/08/2010')).toBe('2010-08-01');
    expect(parseDate('2010-08-01')).toBe('2010-08-01');
    expect(parseDate('29/02/2016')).toBe('2016-02-29');
    expect(parseDate('29/02/2015')).toBeNull();
    expect(parseDate('2010/08/01')).toBeNull();
  });
  it('delimiter, BOM, header in any order and case', () => {
    expect(detectDelimiter('a,b,c\n1;2')).toBe(',');
    expect(detectDelimiter('\uFEFFa;b;c')).toBe(';');
    const rows = parseRoster(
      '\uFEFFPrénom,Nom,UAI,Structure,Classe,Date_Naissance,Profil,ID_Externe,Parents_De,Email\r\nLéa,Dubois,0800002b,École,CM1 B,03/09/2016,eleve,E1,,\r\n\r\n',
    );
    expect(rows).toHaveLength(1);
    const checked = checkRow(rows[0]!);
    expect(checked).toEqual({
      row: expect.objectContaining({
        line: 2,
        uai: '0800002B',
        firstName: 'Léa',
        profile: 'Student',
        birthDate: '2016-09-03',
        parentsOf: [],
      }),
    });
    expect(() => parseRoster('nom;prenom\nA;B')).toThrow(RosterFileError);
  });
  it('lists every problem of a row', () => {
    const [raw] = parseRoster(
      'uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email\n123;;;;X;;Parent;;;pas-un-mail\n',
    );
    const checked = checkRow(raw!);
    expect('errors' in checked && checked.errors.map((e) => e.message.split(':')[0])).toEqual([
      'uai',
      'structure',
      'nom',
      'id_externe',
      'parents_de',
      'email',
    ]);
  });
  it('refuses a control character (C0, DEL, C1, tab included) in any column, naming the column alone', () => {
    const valid: RawRow = {
      line: 7,
      uai: '0800002B',
      structure: 'École Jules Verne',
      classe: 'CM1 B',
      nom: 'Dupont',
      prenom: 'Jean',
      date_naissance: '03/09/2016',
      profil: 'Élève',
      id_externe: 'E1',
      parents_de: '',
      email: 'jean@example.fr',
    };
    expect(checkRow(valid)).toHaveProperty('row');
    expect(checkRow({ ...valid, nom: 'Du\u00a0Pont' })).toHaveProperty('row'); // a no-break space is not a control character
    const controls: [string, string][] = [
      ['\n', 'U+000A'],
      ['\r', 'U+000D'],
      ['\t', 'U+0009'],
      ['\u0000', 'U+0000'],
      ['\u001b', 'U+001B'],
      ['\u007f', 'U+007F'],
      ['\u0085', 'U+0085'],
      ['\u009f', 'U+009F'],
    ];
    for (const column of COLUMNS) {
      for (const [control, name] of controls) {
        const checked = checkRow({ ...valid, [column]: `${valid[column]}${control}=2+2` });
        expect({ column, name, checked }).toEqual({
          column,
          name,
          checked: {
            errors: [
              {
                line: 7,
                message: `${column}: holds a control character (${name}: a line break, a tab…), which is not allowed`,
              },
            ],
          },
        });
      }
    }
  });

  it('a quoted cell may hold a line break in CSV: the row is refused all the same', () => {
    const [raw] = parseRoster(
      'uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email\n0800002B;École;CM1 B;"Dupont\n=2+2";Jean;03/09/2016;Élève;E1;;\n',
    );
    expect(raw!.nom).toBe('Dupont\n=2+2');
    expect(checkRow(raw!)).toEqual({
      errors: [
        { line: 3, message: 'nom: holds a control character (U+000A: a line break, a tab…), which is not allowed' },
      ],
    });
  });

  it('school year from SCHOOL_YEAR_START', () => {
    expect(currentSchoolYear(new Date('2026-08-31T12:00:00Z'), '09-01')).toBe('2025-2026');
    expect(currentSchoolYear(new Date('2026-09-01T00:00:00Z'), '09-01')).toBe('2026-2027');
  });
});
