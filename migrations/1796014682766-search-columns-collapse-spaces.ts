// The search columns (searchFirstName/searchLastName) were folded by two copies of the rule:
// the roster import and the demo seed kept runs of white space (« Jean  Pierre » stored as
// `jean  pierre`), while the typed query collapsed them, so such a name was never found. Both
// now use searchForm, which collapses; this recomputes the stored columns that differ. The
// folding needs Unicode decomposition, which neither SQLite nor MySQL offers: it runs here,
// in pages by id. It imports the live rule on purpose: its job is « columns = searchForm ».
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchForm } from '../src/domain/search-form.js';

const PAGE = 1000;

interface NameRow {
  id: string;
  firstName: string;
  lastName: string;
  searchFirstName: string;
  searchLastName: string;
}

export class SearchColumnsCollapseSpaces1796014682766 implements MigrationInterface {
  name = 'SearchColumnsCollapseSpaces1796014682766';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = ''; ;) {
      const rows = await queryRunner.manager
        .createQueryBuilder()
        .select([
          'a.id AS id',
          'a.firstName AS firstName',
          'a.lastName AS lastName',
          'a.searchFirstName AS searchFirstName',
          'a.searchLastName AS searchLastName',
        ])
        .from('accounts', 'a')
        .where('a.id > :after', { after })
        .orderBy('a.id', 'ASC')
        .limit(PAGE)
        .getRawMany<NameRow>();
      for (const row of rows) {
        const searchFirstName = searchForm(row.firstName);
        const searchLastName = searchForm(row.lastName);
        if (searchFirstName === row.searchFirstName && searchLastName === row.searchLastName) continue;
        await queryRunner.manager
          .createQueryBuilder()
          .update('accounts')
          .set({ searchFirstName, searchLastName })
          .where('id = :id', { id: row.id })
          .execute();
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: collapsed columns are a valid state for the older code too (its query
    // already collapsed white space).
  }
}
