/**
 * The echo inspector: answers every request with what the client sent, as JSON, so a user
 * can see exactly what a client puts on the wire, and so the parser can be probed from
 * outside over a real socket.
 *
 * ```
 * HTTP/1.1 200 OK
 * Content-Type: application/json
 * Content-Length: ...
 *
 * {"method":"POST","target":"/x?y=1","version":"HTTP/1.1",
 *  "headers":[["Host","a"],["Content-Length","2"]],"trailers":[],"body":"aGk="}
 * ```
 *
 * A request the parser refuses never reaches the handler: the engine answers it with the
 * error's status, a text body naming the code (`400 Bad Request: NETSERV_OBS_FOLD`) and
 * `Connection: close`, then closes; so is a request whose body turns out malformed or is cut
 * short by the client's FIN after its head was accepted.
 *
 *   netserv echo --port 8080 [--host 127.0.0.1] [--allow-missing-host]
 */
import type { RequestHead } from '../parser/request-head.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { createServer, type Server, type ServerOptions } from '../server/server.js'

/** Options of {@link echoServer}: the engine's, with the Host check under its inspector name. */
export interface EchoServerOptions extends Omit<ServerOptions, 'requireHost'> {
  /**
   * Accept HTTP/1.1 requests without `Host` (the parser's `requireHost: false`), to show
   * clients that omit it. Default false: such a request is answered 400, as RFC 9112
   * section 3.2 demands. More than one `Host` is refused either way.
   */
  allowMissingHost?: boolean
}

/** What the inspector answers with, field for field; `body` is base64 so any bytes survive JSON. */
export interface EchoReport {
  method: string
  target: string
  /** As on the request line: `HTTP/1.1` or `HTTP/1.0`. */
  version: string
  /** Every header field in wire order, names in the case sent, values without surrounding whitespace. */
  headers: Array<[string, string]>
  /** Trailer fields of a chunked body, in wire order (empty otherwise). */
  trailers: Array<[string, string]>
  /** The body bytes (de-chunked), base64. */
  body: string
}

/**
 * The report for `request` and its whole `body`. Header values are latin1-decoded, so an
 * obs-text byte shows as the character of the same code.
 */
export function echoReport(request: Request, body: Buffer): EchoReport {
  const head = request.head
  return {
    method: head.method,
    target: request.target,
    version: `HTTP/${head.versionMajor}.${head.versionMinor}`,
    headers: [...request.headers()],
    trailers: trailers(head),
    body: body.toString('base64'),
  }
}

function trailers(head: RequestHead): Array<[string, string]> {
  const fields: Array<[string, string]> = []
  for (let i = 0; i < head.trailerCount; i++) fields.push([head.trailerName(i), head.trailerValue(i)])
  return fields
}

/**
 * The handler: waits for the whole body (later pipelined requests wait their turn in the
 * engine), then answers 200 with the report.
 */
async function echo(request: Request, response: Response): Promise<void> {
  let body: Buffer
  try {
    body = await request.body()
  } catch {
    // The engine answers or closes on every way a body can fail (a framing error, a FIN in
    // the middle, a timeout, a vanished peer): nothing is left for the handler to say.
    return
  }
  const json = JSON.stringify(echoReport(request, body))
  response.setHeader('Content-Type', 'application/json')
  response.end(json)
}

/** Makes the echo inspector's server (not yet listening: call `listen(port, host)`). */
export function echoServer(options: EchoServerOptions = {}): Server {
  const { allowMissingHost, ...engine } = options
  const serverOptions: ServerOptions = engine
  if (allowMissingHost === true) serverOptions.requireHost = false
  return createServer(serverOptions, echo)
}
