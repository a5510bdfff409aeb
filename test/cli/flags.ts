import t, { type Test } from 'tap'
import { parseFlags, portFlag, usageError, type FlagSpecs } from '../../src/cli/flags.js'
import { ErrorCode, NetservError } from '../../src/errors.js'

const SPECS = {
  port: portFlag('Port.', 8080),
  host: { type: 'string', valueName: 'H', summary: 'Host.', default: '127.0.0.1' },
  token: { type: 'string', valueName: 'T', summary: 'Token, no default.' },
  workers: { type: 'integer', valueName: 'N', summary: 'Workers.', min: 1, max: 64 },
  'allow-missing-host': { type: 'boolean', summary: 'Switch.' },
} as const satisfies FlagSpecs

/** The message parseFlags refuses `argv` with (and checks it is a usage error). */
function refusal(t: Test, argv: string[]): string {
  try {
    parseFlags(argv, SPECS)
  } catch (error) {
    t.ok(error instanceof NetservError && error.code === ErrorCode.INVALID_ARGUMENT, `${argv.join(' ')}: a usage error`)
    return (error as Error).message
  }
  t.fail(`${argv.join(' ')} was accepted`)
  return ''
}

t.test('defaults: booleans false, defaults filled in, the rest undefined', async (t) => {
  t.strictSame(parseFlags([], SPECS), { port: 8080, host: '127.0.0.1', token: undefined, workers: undefined, 'allow-missing-host': false })
})

t.test('--name value, --name=value and bare booleans', async (t) => {
  const values = parseFlags(['--port', '0', '--host=::1', '--token', 'a=b', '--workers=64', '--allow-missing-host'], SPECS)
  t.strictSame(values, { port: 0, host: '::1', token: 'a=b', workers: 64, 'allow-missing-host': true })
  t.equal(parseFlags(['--port=65535'], SPECS).port, 65535, 'the upper bound is allowed')
  t.equal(parseFlags(['--token', '-starts-with-dash'], SPECS).token, '-starts-with-dash', 'a single dash is a value')
})

t.test('refusals name the flag and the problem', async (t) => {
  t.equal(refusal(t, ['--prot', '1']), 'unknown option "--prot" (did you mean --port?)')
  t.equal(refusal(t, ['--allow-missing-hosts']), 'unknown option "--allow-missing-hosts" (did you mean --allow-missing-host?)')
  t.equal(refusal(t, ['--verbose']), 'unknown option "--verbose"', 'no suggestion when nothing is near')
  t.equal(refusal(t, ['-p', '80']), 'unknown option "-p"', 'short flags do not exist')
  t.equal(refusal(t, ['--constructor']), 'unknown option "--constructor"', 'inherited names are not flags')
  t.equal(refusal(t, ['--']), 'unexpected argument "--"')
  t.equal(refusal(t, ['-']), 'unexpected argument "-"')
  t.equal(refusal(t, ['extra']), 'unexpected argument "extra"')
  t.equal(refusal(t, ['--port', '1', '--port', '2']), '--port given twice')
  t.equal(refusal(t, ['--allow-missing-host', '--allow-missing-host']), '--allow-missing-host given twice')
  t.equal(refusal(t, ['--allow-missing-host=yes']), '--allow-missing-host takes no value')
  t.equal(refusal(t, ['--port']), '--port needs a value (P)')
  t.equal(refusal(t, ['--host', '--port', '1']), '--host needs a value (H)')
  t.equal(refusal(t, ['--host=']), '--host must not be empty')
  for (const bad of ['', 'abc', '-1', '65536', '1e3', '0x10', ' 80', '80.0', '99999999999999999999']) {
    t.equal(refusal(t, [`--port=${bad}`]), `--port must be an integer from 0 to 65535, got ${JSON.stringify(bad)}`)
  }
  t.equal(refusal(t, ['--workers', '0']), '--workers must be an integer from 1 to 64, got "0"')
})

t.test('usageError is the code the CLI turns into exit status 2', async (t) => {
  const error = usageError('bad')
  t.equal(error.code, ErrorCode.INVALID_ARGUMENT)
  t.equal(error.message, 'bad')
})
