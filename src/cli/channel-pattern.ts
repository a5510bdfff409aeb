/**
 * Channel patterns for `--interactive` and `--presence`: a comma-separated list of names in
 * which `*` stands for any run of characters (`chat*`, `room.*.voice`, `*`). Nothing else is
 * special: channel names hold no other glob character.
 */
import { usageError } from './flags.js'

/** A predicate over channel names. */
export type ChannelMatcher = (this: void, channel: string) => boolean

/**
 * The matcher of `patterns` (`chat*,news`); a channel matches when any pattern does.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for an empty pattern or a character no channel name has
 */
export function channelPattern(patterns: string, flag: string): ChannelMatcher {
  const expressions = patterns.split(',').map((pattern) => {
    if (!/^[A-Za-z0-9_.:~*-]+$/.test(pattern)) {
      throw usageError(`--${flag}: ${JSON.stringify(pattern)} is not a channel pattern (channel characters and *, comma-separated)`)
    }
    // `.` is the only channel character special in a regular expression.
    return pattern.replaceAll('.', '\\.').replaceAll('*', '.*')
  })
  const matcher = new RegExp(`^(?:${expressions.join('|')})$`)
  return (channel) => matcher.test(channel)
}
