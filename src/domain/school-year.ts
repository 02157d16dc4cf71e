// The school year in force. A school's accounts are arranged in classes per school year
// (`2026-2027`); only the classes of the year in force grant anything to the teachers,
// school admins and relatives placed through them — a roster import for a new year leaves
// last year's classes, memberships and roles in the database as history, and they must
// stop giving a former teacher power over a child who changed class.
//
// The year in force is per school: the one the operator set at the rollover
// (`structures.schoolYear`, `ent-idp rollover`), else the calendar's year from
// SCHOOL_YEAR_START. The rule is written once, in SQL (`classInForce`), so every read that
// filters classes (policies, ID token claims, listings) joins the class to its structure
// the same way; `yearInForceOf` is the same rule for a structure already loaded.

/** The school year containing `now`: 2026-2027 from SCHOOL_YEAR_START (09-01) 2026 on. */
export function currentSchoolYear(now: Date, schoolYearStart: string): string {
  const [month, day] = schoolYearStart.split('-').map(Number) as [number, number];
  const year = now.getUTCFullYear();
  const started = now.getTime() >= Date.UTC(year, month - 1, day);
  return started ? `${year}-${year + 1}` : `${year - 1}-${year}`;
}

/** A condition on a query's class alias, with the parameters it names. */
export interface ClassInForce {
  where: string;
  params: { calendarYear: string };
}

/** The years in force (one object, so a rollover changes them in one place). */
export interface SchoolYearInForce {
  /** The calendar's year: in force in every school whose operator has set none. */
  calendar(): string;
  /**
   * SQL: the class aliased `alias` is of its structure's year in force. A correlated lookup
   * of the structure by primary key, usable in a join condition or a WHERE.
   */
  classInForce(alias: string): ClassInForce;
  /** The same condition with a positional `?` and its parameter (`Database.execute`). */
  classInForcePositional(alias: string): { where: string; params: [string] };
}

const classInForceSql = (alias: string, calendarYear: string) =>
  `${alias}.schoolYear = COALESCE((SELECT yif.schoolYear FROM structures yif WHERE yif.id = ${alias}.structureId), ${calendarYear})`;

/** The year in force of a loaded structure (the rule of `classInForce`, for rows in hand). */
export function yearInForceOf(structure: { schoolYear: string | null }, calendarYear: string): string {
  return structure.schoolYear ?? calendarYear;
}

export function schoolYearInForce(schoolYearStart: string): SchoolYearInForce {
  const calendar = () => currentSchoolYear(new Date(), schoolYearStart);
  return {
    calendar,
    classInForce: (alias) => ({ where: classInForceSql(alias, ':calendarYear'), params: { calendarYear: calendar() } }),
    classInForcePositional: (alias) => ({ where: classInForceSql(alias, '?'), params: [calendar()] }),
  };
}

/** `2026-2027` → 2026; null when not of that form (two consecutive years). */
export function schoolYearStartYear(schoolYear: string): number | null {
  const match = /^(\d{4})-(\d{4})$/.exec(schoolYear);
  if (!match) return null;
  const [first, second] = [Number(match[1]), Number(match[2])];
  return second === first + 1 ? first : null;
}
