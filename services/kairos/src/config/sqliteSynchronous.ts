import { SETTINGS, setting, type SettingValue } from '@kairos/common/settings';

/** SQLite's synchronous pragma as Kairos offers it: NORMAL or FULL. */
export type SqliteSynchronous = SettingValue<'store.sqliteSynchronous'>;

const SPEC = SETTINGS['store.sqliteSynchronous'];
const LEVELS: readonly SqliteSynchronous[] = SPEC.choices;

/** Where the level came from, so a misplaced one can be named in the message. */
export interface SqliteSynchronousChoice {
  level: SqliteSynchronous;
  /** The flag or config key that set it; undefined for the command's default. */
  givenBy?: string;
}

export interface SqliteSynchronousSources {
  mode: 'dev' | 'cluster';
  /** --sqlite-synchronous. */
  flag?: string;
  /** Every --sqlite-pragma KEY=VALUE, in order (Temporal's start-dev flag). */
  pragmas: readonly string[];
  /** The config file's sqliteSynchronous, and how messages name it. */
  file?: { value: unknown; where: string };
}

/**
 * The SQLite synchronous level (`store.sqliteSynchronous`): FULL by default for `server start`, a
 * production process whose acknowledged writes must survive a power cut, NORMAL for start-dev,
 * where only a process crash is worth the fsyncs. Read from --sqlite-synchronous, or from
 * Temporal's `--sqlite-pragma synchronous=…` as Temporal users type it (with
 * `journal_mode=WAL`, which Kairos always runs, and nothing else, as Temporal allows only these
 * two), or from the config file. Problems are pushed to `problems`.
 */
export function resolveSqliteSynchronous(sources: SqliteSynchronousSources, problems: string[]): SqliteSynchronousChoice {
  const level = (value: unknown, where: string): SqliteSynchronous | undefined => {
    const found = typeof value === 'string' ? LEVELS.find((l) => l === value.trim().toUpperCase()) : undefined;
    if (!found) problems.push(`${where} must be ${LEVELS.join(' or ')}, got ${JSON.stringify(value)}`);
    return found;
  };

  let fromPragma: SqliteSynchronous | undefined;
  let pragmaGiven = false;
  for (const pragma of sources.pragmas) {
    const eq = pragma.indexOf('=');
    const key = (eq < 0 ? pragma : pragma.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : pragma.slice(eq + 1).trim();
    if (eq < 0 || key === '' || value === '') {
      problems.push(`--sqlite-pragma must be KEY=VALUE, got ${JSON.stringify(pragma)}`);
    } else if (key === 'synchronous') {
      if (pragmaGiven) problems.push('--sqlite-pragma synchronous given more than once');
      pragmaGiven = true;
      fromPragma = level(value, '--sqlite-pragma synchronous');
    } else if (key === 'journal_mode') {
      if (value.toUpperCase() !== 'WAL') problems.push(`--sqlite-pragma journal_mode: Kairos always runs SQLite in WAL mode, got ${JSON.stringify(value)}`);
    } else {
      problems.push(`--sqlite-pragma: unrecognized pragma ${JSON.stringify(key)}, only journal_mode and synchronous are allowed`);
    }
  }
  if (sources.flag !== undefined && pragmaGiven) problems.push('give only one of --sqlite-synchronous, --sqlite-pragma synchronous=…');

  if (sources.flag !== undefined) return { level: level(sources.flag, '--sqlite-synchronous') ?? defaultLevel(sources.mode), givenBy: '--sqlite-synchronous' };
  if (pragmaGiven) return { level: fromPragma ?? defaultLevel(sources.mode), givenBy: '--sqlite-pragma synchronous' };
  if (sources.file && sources.file.value !== undefined) {
    return { level: level(sources.file.value, sources.file.where) ?? defaultLevel(sources.mode), givenBy: sources.file.where };
  }
  return { level: defaultLevel(sources.mode) };
}

/** start-dev's default (NORMAL), or the setting's (FULL) for a `server start` process. */
function defaultLevel(mode: 'dev' | 'cluster'): SqliteSynchronous {
  return mode === 'dev' ? SPEC.defaultFor['start-dev'] : setting('store.sqliteSynchronous');
}
