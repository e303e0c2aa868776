import { expect } from 'vitest';
import { HarvestError, type ErrorCode } from '../../engine/kernel/errors';

function check(e: unknown, code: ErrorCode, message?: RegExp): HarvestError {
  expect(e, `expected a HarvestError ${code}, got ${String(e)}`).toBeInstanceOf(HarvestError);
  const h = e as HarvestError;
  expect(h.code, h.message).toBe(code);
  if (message) expect(h.message).toMatch(message);
  return h;
}

/** Runs fn, which must throw a HarvestError with this code (and a message matching `message`, if given). */
export function expectHarvestError(fn: () => unknown, code: ErrorCode, message?: RegExp): HarvestError {
  let thrown: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) throw new Error(`expected HarvestError ${code}, but nothing was thrown`);
  return check(thrown, code, message);
}

/** Awaits p, which must reject with a HarvestError with this code. */
export async function expectHarvestRejection(
  p: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<HarvestError> {
  let thrown: unknown;
  let threw = false;
  try {
    await p;
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) throw new Error(`expected HarvestError ${code}, but the promise resolved`);
  return check(thrown, code, message);
}
