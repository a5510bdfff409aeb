/**
 * What a channel may be called, and how a subscription names its channels. Names travel in
 * URL paths (`/sub/chat.lobby,user:alice`) and in JSON, so the alphabet is one that needs no
 * escaping in either: letters, digits and `_ . : ~ -`.
 */
import { ErrorCode, NetservError } from '../errors.js'

/** The longest channel name, in characters. */
export const MAX_CHANNEL_NAME_LENGTH = 128
/** The longest user name (`?user=`), in characters. */
export const MAX_USER_NAME_LENGTH = 64
/** The most channels one subscription may name (the user's own channel not counted). */
export const MAX_CHANNELS_PER_SUBSCRIPTION = 16
/** The prefix of a user's own channel: `user:alice` reaches every stream of alice. */
export const USER_CHANNEL_PREFIX = 'user:'

/** The characters of channel and user names, as a regular-expression character class body. */
const ALPHABET = 'A-Za-z0-9_.:~-'
const CHANNEL_NAME = new RegExp(`^[${ALPHABET}]{1,${MAX_CHANNEL_NAME_LENGTH}}$`)
const USER_NAME = new RegExp(`^[${ALPHABET}]{1,${MAX_USER_NAME_LENGTH}}$`)

/** True for 1-128 characters of the channel alphabet. */
export function isChannelName(name: string): boolean {
  return CHANNEL_NAME.test(name)
}

/**
 * `name`, checked.
 * @throws NetservError `NETSERV_INVALID_CHANNEL` (status 400) when it is not a channel name
 */
export function checkChannelName(name: string): string {
  if (!CHANNEL_NAME.test(name)) {
    throw new NetservError(ErrorCode.INVALID_CHANNEL, `${quote(name)} is not a channel name: 1-${MAX_CHANNEL_NAME_LENGTH} characters of A-Z a-z 0-9 _ . : ~ -`, 400)
  }
  return name
}

/**
 * `user`, checked: the same alphabet as channel names, at most 64 characters.
 * @throws NetservError `NETSERV_INVALID_USER` (status 400)
 */
export function checkUserName(user: string): string {
  if (!USER_NAME.test(user)) {
    throw new NetservError(ErrorCode.INVALID_USER, `${quote(user)} is not a user name: 1-${MAX_USER_NAME_LENGTH} characters of A-Z a-z 0-9 _ . : ~ -`, 400)
  }
  return user
}

/** The channel that reaches every stream of `user`. */
export function userChannel(user: string): string {
  return USER_CHANNEL_PREFIX + user
}

/**
 * The channels of one subscription, checked, duplicates removed, in the order given.
 * @throws NetservError `NETSERV_INVALID_CHANNEL` for a bad name or none at all;
 *   `NETSERV_TOO_MANY_CHANNELS` (400) for more than {@link MAX_CHANNELS_PER_SUBSCRIPTION}
 */
export function checkChannelList(channels: readonly string[]): string[] {
  if (channels.length === 0) throw new NetservError(ErrorCode.INVALID_CHANNEL, 'a subscription needs at least one channel', 400)
  if (channels.length > MAX_CHANNELS_PER_SUBSCRIPTION) {
    throw new NetservError(ErrorCode.TOO_MANY_CHANNELS, `at most ${MAX_CHANNELS_PER_SUBSCRIPTION} channels per subscription, got ${channels.length}`, 400)
  }
  const unique: string[] = []
  for (const name of channels) if (!unique.includes(checkChannelName(name))) unique.push(name)
  return unique
}

/** `text` quoted for a message, cut short: names come from requests and may be long. */
function quote(text: string): string {
  return JSON.stringify(text.length > 140 ? text.slice(0, 140) + '...' : text)
}
