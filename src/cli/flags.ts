/**
 * The command line's flag parser: strict, because a server started with a typo in a flag
 * should not run with a default the user did not mean.
 *
 * Accepted: `--name value`, `--name=value`, and `--name` alone for a boolean. Refused, each
 * with a message naming the flag: an unknown flag (with the nearest known one suggested), a
 * flag given twice, a missing or malformed value, a value given to a boolean, and any
 * positional argument. A refusal is a `NetservError` with code `NETSERV_INVALID_ARGUMENT`,
 * which the CLI reports with exit status 2.
 */
import { ErrorCode, NetservError } from '../errors.js'

/** A flag that is present or absent: `--allow-missing-host`. */
export interface BooleanFlag {
  readonly type: 'boolean'
  /** One or two sentences for the man page. */
  readonly summary: string
}

/** A flag with a text value: `--host H`. Empty values are refused. */
export interface StringFlag {
  readonly type: 'string'
  /** The placeholder in the synopsis and the man page: `H`. */
  readonly valueName: string
  readonly summary: string
  readonly default?: string
}

/** A flag with a decimal integer value in `[min, max]`: `--port P`. */
export interface IntegerFlag {
  readonly type: 'integer'
  readonly valueName: string
  readonly summary: string
  readonly min: number
  readonly max: number
  readonly default?: number
}

/** One flag's description: its type, its help text, and its default. */
export type FlagSpec = BooleanFlag | StringFlag | IntegerFlag

/** A command's flags, by name without the leading `--`. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>

/** The value a flag parses to: a default makes it always present. */
export type FlagValue<S extends FlagSpec> = S extends BooleanFlag
  ? boolean
  : S extends { readonly default: infer D }
    ? D
    : S extends StringFlag
      ? string | undefined
      : number | undefined

/** What {@link parseFlags} returns for `Specs`. */
export type FlagValues<Specs extends FlagSpecs> = { -readonly [K in keyof Specs]: FlagValue<Specs[K]> }

/** A TCP port flag: 0 (any free port) to 65535. */
export function portFlag(summary: string, defaultPort: number): IntegerFlag & { readonly default: number } {
  return { type: 'integer', valueName: 'P', summary, min: 0, max: 65535, default: defaultPort }
}

/** The usage error every refusal throws. */
export function usageError(message: string): NetservError {
  return new NetservError(ErrorCode.INVALID_ARGUMENT, message)
}

/**
 * Parses `argv` (the arguments after the command's name) against `specs`.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` with a message for the user
 */
export function parseFlags<Specs extends FlagSpecs>(argv: readonly string[], specs: Specs): FlagValues<Specs> {
  const values: Record<string, string | number | boolean | undefined> = {}
  const seen = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('-') || arg === '-' || arg === '--') throw usageError(`unexpected argument ${quote(arg)}`)
    const equals = arg.indexOf('=')
    const flag = equals < 0 ? arg : arg.slice(0, equals)
    // Only long flags exist; a short one (`-p`) is unknown like any other.
    const name = flag.startsWith('--') ? flag.slice(2) : ''
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined
    if (spec === undefined) throw unknownFlag(flag, specs)
    if (seen.has(name)) throw usageError(`--${name} given twice`)
    seen.add(name)
    if (spec.type === 'boolean') {
      if (equals >= 0) throw usageError(`--${name} takes no value`)
      values[name] = true
      continue
    }
    let text: string
    if (equals >= 0) {
      text = arg.slice(equals + 1)
    } else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw usageError(`--${name} needs a value (${spec.valueName})`)
      text = next
      i++
    }
    values[name] = spec.type === 'string' ? checkString(name, text) : checkInteger(name, spec, text)
  }
  for (const name of Object.keys(specs)) {
    if (seen.has(name)) continue
    const spec = specs[name] as FlagSpec
    values[name] = spec.type === 'boolean' ? false : spec.default
  }
  return values as FlagValues<Specs>
}

function checkString(name: string, text: string): string {
  if (text.length === 0) throw usageError(`--${name} must not be empty`)
  return text
}

function checkInteger(name: string, spec: IntegerFlag, text: string): number {
  const value = Number(text)
  if (!/^[0-9]+$/.test(text) || value < spec.min || value > spec.max) {
    throw usageError(`--${name} must be an integer from ${spec.min} to ${spec.max}, got ${quote(text)}`)
  }
  return value
}

function quote(text: string): string {
  return JSON.stringify(text)
}

function unknownFlag(flag: string, specs: FlagSpecs): NetservError {
  let nearest = ''
  let nearestDistance = 3
  for (const name of Object.keys(specs)) {
    const distance = editDistance(flag.replace(/^-+/, ''), name)
    if (distance < nearestDistance) {
      nearest = name
      nearestDistance = distance
    }
  }
  return usageError(`unknown option ${quote(flag)}${nearest === '' ? '' : ` (did you mean --${nearest}?)`}`)
}

/** Levenshtein distance, for suggesting a flag after a typo. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1))
    }
    previous = current
  }
  return previous[b.length] as number
}
