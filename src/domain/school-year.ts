// The school year in force. A school's accounts are arranged in classes per school year
// (`2026-2027`); only the classes of the year in force grant anything to the teachers,
// school admins and relatives placed through them — a roster import for a new year leaves
// last year's classes, memberships and roles in the database as history, and they must
// stop giving a former teacher power over a child who changed class.

/** The school year containing `now`: 2026-2027 from SCHOOL_YEAR_START (09-01) 2026 on. */
export function currentSchoolYear(now: Date, schoolYearStart: string): string {
  const [month, day] = schoolYearStart.split('-').map(Number) as [number, number];
  const year = now.getUTCFullYear();
  const started = now.getTime() >= Date.UTC(year, month - 1, day);
  return started ? `${year}-${year + 1}` : `${year - 1}-${year}`;
}

/** The year whose classes grant access now (one function, so a rollover can change it). */
export type SchoolYearInForce = () => string;

export function schoolYearInForce(schoolYearStart: string): SchoolYearInForce {
  return () => currentSchoolYear(new Date(), schoolYearStart);
}
