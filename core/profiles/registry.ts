/**
 * @module Profile lookup: the known profiles by id, and the default.
 */
import { ConformanceError } from '../errors.js';
import { rfc9421Rc2 } from './rfc9421-rc2.js';
import { rfc9421V1 } from './rfc9421-v1.js';
import type { Profile } from './types.js';

/** The seed's revision (spec-digest §0.1 project decision). */
export const DEFAULT_PROFILE_ID = 'rfc9421-v1';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// Profiles are data: frozen so no caller can change routes or status codes for everyone else.
const PROFILES: readonly Profile[] = deepFreeze([rfc9421V1, rfc9421Rc2]);

/** Every known profile, default first. */
export function listProfiles(): readonly Profile[] {
  return PROFILES;
}

/**
 * The profile with this id.
 *
 * @throws ConformanceError `PROFILE_UNKNOWN` listing the known ids
 */
export function getProfile(id: string): Profile {
  const profile = PROFILES.find((p) => p.id === id);
  if (profile === undefined) {
    const known = PROFILES.map((p) => p.id).join(', ');
    throw new ConformanceError('PROFILE_UNKNOWN', `unknown profile '${id}'; known profiles: ${known}`, {
      details: { profile: id, known: PROFILES.map((p) => p.id) },
    });
  }
  return profile;
}
