import t from 'tap'
import { CONNECT_METHOD, HEAD_METHOD, MAX_METHOD_LENGTH, METHODS, OPTIONS_METHOD, knownMethodPrefix, lookupMethod } from '../../src/parser/methods.js'

t.test('every method is found at its own index, and only in upper case', async (t) => {
  METHODS.forEach((method, index) => {
    const bytes = Buffer.from(`x${method}x`)
    t.equal(lookupMethod(bytes, 1, bytes.length - 1), index, method)
    const lower = Buffer.from(method.toLowerCase())
    t.equal(lookupMethod(lower, 0, lower.length), -1, method.toLowerCase())
  })
  t.equal(METHODS[CONNECT_METHOD], 'CONNECT')
  t.equal(METHODS[HEAD_METHOD], 'HEAD')
  t.equal(METHODS[OPTIONS_METHOD], 'OPTIONS')
  t.equal(MAX_METHOD_LENGTH, 'UNSUBSCRIBE'.length)
})

t.test('lengths no method has, and near misses', async (t) => {
  t.equal(lookupMethod(Buffer.from('GE'), 0, 2), -1)
  t.equal(lookupMethod(Buffer.from('GEX'), 0, 3), -1)
  t.equal(lookupMethod(Buffer.from(''), 0, 0), -1)
})

t.test('knownMethodPrefix points at the first byte no method starts with', async (t) => {
  t.equal(knownMethodPrefix(Buffer.from('MKCOLA')), 5)
  t.equal(knownMethodPrefix(Buffer.from('XGET')), 0)
  t.equal(knownMethodPrefix(Buffer.from('PROPF')), 5)
  t.equal(knownMethodPrefix(Buffer.from('')), 0)
})
