import t from 'tap'
import { ErrorCode, NetservError, ParserError } from '../src/errors.js'

t.test('every code is NETSERV_ followed by its key, and unique', async (t) => {
  const values = Object.entries(ErrorCode).map(([key, value]) => {
    t.equal(value, `NETSERV_${key}`)
    return value
  })
  t.equal(new Set(values).size, values.length)
})

t.test('NetservError carries a code and a status, 0 when not the client\'s fault', async (t) => {
  const plain = new NetservError(ErrorCode.INVALID_ARGUMENT, 'bad option')
  t.equal(plain.code, 'NETSERV_INVALID_ARGUMENT')
  t.equal(plain.status, 0)
  t.equal(plain.name, 'NetservError')
  t.equal(plain.message, 'bad option')
  t.ok(plain instanceof Error)
  const parse = new ParserError(ErrorCode.OBS_FOLD, 'folded', 400, 31)
  t.equal(parse.name, 'ParserError')
  t.equal(parse.status, 400)
  t.equal(parse.offset, 31)
  t.ok(parse instanceof NetservError)
})
