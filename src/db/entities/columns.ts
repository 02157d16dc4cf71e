// Column helpers with explicit types, so entities never depend on emitted decorator
// metadata and map the same way on SQLite and MySQL/MariaDB.
import { Column, type ColumnOptions } from 'typeorm';

export const uuidColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: 36, ...options });
export const stringColumn = (length: number, options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length, ...options });
export const textColumn = (options: ColumnOptions = {}) => Column({ type: 'text', ...options });
/** Millisecond precision on MySQL; SQLite stores the same UTC text. */
export const dateColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });
export const nullableDateColumn = (options: ColumnOptions = {}) => dateColumn({ nullable: true, ...options });
export const intColumn = (options: ColumnOptions = {}) => Column({ type: 'int', ...options });
export const boolColumn = (options: ColumnOptions = {}) => Column({ type: 'boolean', ...options });
