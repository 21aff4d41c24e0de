// Countdowns to a drop's opening, driven by the server's clock: the claim center sends `now`,
// and the difference to the browser's clock (the offset) is applied to every tick, so that a
// phone whose clock is wrong still counts down to the right moment. Library-neutral.

/** server clock − browser clock, in ms (0 when `now` is unreadable). */
export function serverOffsetMs(serverNowIso: string, clientNowMs: number): number {
  const server = Date.parse(serverNowIso)
  return Number.isNaN(server) ? 0 : server - clientNowMs
}

/** Milliseconds until `targetIso` on the server's clock (never negative; 0 for no target). */
export function msUntil(targetIso: string | null | undefined, offsetMs: number, clientNowMs: number): number {
  if (!targetIso) return 0
  const target = Date.parse(targetIso)
  if (Number.isNaN(target)) return 0
  return Math.max(0, target - (clientNowMs + offsetMs))
}

export interface CountdownParts {
  days: number
  hours: number
  minutes: number
  seconds: number
}

/**
 * Whole days, hours, minutes and seconds. Seconds are rounded up: 0.4 s before the opening
 * still shows 00:00:01, and 00:00:00 only when it is open.
 */
export function countdownParts(ms: number): CountdownParts {
  const total = Math.max(0, Math.ceil(ms / 1000))
  return {
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  }
}

const two = (n: number) => String(n).padStart(2, '0')

/** "HH:MM:SS" of the part under a day. */
export function formatHms(p: CountdownParts): string {
  return `${two(p.hours)}:${two(p.minutes)}:${two(p.seconds)}`
}

/**
 * "05:04:03", or with days "2天 05:04:03" / "2d 05:04:03" (`withDays` makes the day text, so
 * that the words come from the locale).
 */
export function formatCountdown(ms: number, withDays: (days: number, hms: string) => string): string {
  const p = countdownParts(ms)
  const hms = formatHms(p)
  return p.days > 0 ? withDays(p.days, hms) : hms
}
