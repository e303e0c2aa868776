import { z } from 'zod';
import { mixedScripts } from './confusables';

/**
 * Friends' display names: any printable text, so a name can be "Zoë" or even
 * "Robert'); DROP TABLE users;--" (stored verbatim, harmless: every statement
 * is parameterised). Control characters, blank names and names mixing
 * alphabets (engine/users/confusables.ts) are refused.
 */
export const UserNameSchema = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'A name cannot be empty.')
      .max(64, 'A name can be at most 64 characters.')
      .refine((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'A name cannot contain control or invisible characters.')
      .refine((s) => !/^\d+$/u.test(s), 'A name cannot be only digits (digits alone refer to a user id).')
      .refine(
        (s) => !mixedScripts(s),
        'A name cannot mix alphabets (say, Latin and Cyrillic letters): such a name can pass for another one.',
      ),
  );
