import type { FlagValues } from '../config/resolveConfig';
import { FLAGS } from './flags';

const SPEC = new Map(FLAGS.map((f) => [f.name, f]));

/**
 * Collects the flags commander parses into what the config resolution reads (every value of
 * every flag, by name, in order of appearance), with the flag-syntax problems the hand-written
 * parser reported: a value missing, a boolean given something else than true or false, a flag
 * given more than once.
 */
export class FlagRecorder {
  readonly problems: string[] = [];
  /** argv as commander takes it (booleans' `=true` / `=false` forms taken care of). */
  readonly args: string[] = [];
  private readonly given = new Map<string, string[]>();
  private readonly givenFalse: string[] = [];

  constructor(private readonly argv: readonly string[]) {
    // Commander has no `--flag=true|false` form for booleans, which the command always accepted:
    // `=true` becomes the bare flag, `=false` is recorded here as given with value false (a store
    // flag given false still counts as naming the store), anything else is a problem.
    for (const arg of argv) {
      const match = /^--([^=]+)=(.*)$/s.exec(arg);
      const name = match?.[1];
      const boolean = name === 'help' || (name !== undefined && SPEC.has(name) && !SPEC.get(name)!.value);
      if (!match || !boolean) this.args.push(arg);
      else if (match[2] === 'true') this.args.push(`--${name}`);
      else if (match[2] === 'false') this.givenFalse.push(name!);
      else this.problems.push(`flag --${name} takes true or false, got ${JSON.stringify(match[2])}`);
    }
  }

  /** One occurrence commander parsed (`value` undefined for a boolean). */
  flag(name: string, value: string | undefined): void {
    // Commander takes the next argument as the value even when it is another flag.
    if (SPEC.get(name)?.value && value?.startsWith('--')) this.problems.push(`flag --${name} needs a value`);
    else this.record(name, value ?? 'true');
  }

  /** Every flag given, once parsing ended; `problems` gains the flags given too often. */
  finish(): FlagValues {
    for (const name of this.givenFalse.splice(0)) this.record(name, 'false');
    const first = (name: string) => this.argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    const flags = new Map([...this.given].sort(([a], [b]) => first(a) - first(b)));
    for (const [name, values] of flags) {
      if (values.length > 1 && !SPEC.get(name)?.repeatable) this.problems.push(`flag --${name} given ${values.length} times`);
    }
    return flags;
  }

  private record(name: string, value: string): void {
    this.given.set(name, [...(this.given.get(name) ?? []), value]);
  }
}
