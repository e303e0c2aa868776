import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../../engine/runtime';
import { mixedScripts, skeleton } from '../../../engine/users/confusables';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { expectHarvestRejection } from '../../helpers/errors';

/**
 * Issue 10, point 8: a user name that looks like an existing one (Unicode
 * skeletons, UTS #39) or mixes alphabets is refused. Real engine and SQLite.
 */

let d: ReturnType<typeof tempDataDir>;
let engine: Engine;
const count = () => engine.users.list().length;

beforeAll(() => {
  d = tempDataDir('hv-names-');
  engine = openEngine(d.dir);
});
afterAll(async () => {
  await engine.close();
  d.cleanup();
});

async function withUser<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const u = await engine.execute('users.add', { name });
  try {
    return await fn();
  } finally {
    await engine.execute('users.remove', { user: u.id });
  }
}

describe('confusable names', () => {
  test('lookalikes of "alice" are refused, as the same name or as mixed alphabets', async () => {
    await withUser('alice', async () => {
      const conflicts = [
        '\u0430\u04cf\u0456\u0441\u0435', // аӏісе: every letter Cyrillic, reads "alice"
        'a1ice', // digit one for l
        'aIice', // capital I for l
        '\uff41\uff4c\uff49\uff43\uff45', // fullwidth
        '\u{1d41a}\u{1d425}\u{1d422}\u{1d41c}\u{1d41e}', // mathematical bold
      ];
      for (const name of conflicts) {
        // Fullwidth letters already share alice's unique name key; the rest are caught by their skeleton.
        const e = await expectHarvestRejection(engine.execute('users.add', { name }), 'CONFLICT');
        expect(e.message).toMatch(/looks like the existing user "alice"|already exists/u);
      }
      // One Cyrillic а among Latin letters: refused before any comparison, as a mixed-alphabet name.
      await expectHarvestRejection(
        engine.execute('users.add', { name: '\u0430lice' }),
        'INVALID_INPUT',
        /cannot mix alphabets/u,
      );
      expect(count()).toBe(1);
    });
  });

  test('letter pairs that read alike: rn/m, vv/w, 0/O, and the Greek or Cyrillic capitals', async () => {
    await withUser('Tim', async () => {
      await expectHarvestRejection(engine.execute('users.add', { name: 'Tirn' }), 'CONFLICT');
    });
    await withUser('Bob', async () => {
      await expectHarvestRejection(engine.execute('users.add', { name: 'B0b' }), 'CONFLICT');
    });
    await withUser('Walt', async () => {
      await expectHarvestRejection(engine.execute('users.add', { name: 'VValt' }), 'CONFLICT');
    });
    await withUser('OK', async () => {
      await expectHarvestRejection(engine.execute('users.add', { name: '\u039f\u039a' }), 'CONFLICT'); // Greek ΟΚ
      await expectHarvestRejection(engine.execute('users.add', { name: '\u041e\u041a' }), 'CONFLICT'); // Cyrillic ОК
    });
    expect(count()).toBe(0);
  });

  test('renaming into a lookalike of someone else is refused; changing the case of one’s own name is not', async () => {
    await withUser('paypal', async () => {
      const u = await engine.execute('users.add', { name: 'Carol' });
      await expectHarvestRejection(
        engine.execute('users.rename', { user: u.id, name: '\u0440\u0430\u0443\u0440\u0430\u04cf' }), // раураӏ
        'CONFLICT',
      );
      await expectHarvestRejection(engine.execute('users.rename', { user: u.id, name: 'paypa1' }), 'CONFLICT');
      expect((await engine.execute('users.rename', { user: u.id, name: 'CAROL' })).name).toBe('CAROL');
      expect((await engine.execute('users.rename', { user: u.id, name: 'Caro1' })).name).toBe('Caro1');
      await engine.execute('users.remove', { user: u.id });
    });
  });

  test('names that merely differ, and real names in one script or in CJK mixes, are accepted', async () => {
    const names = [
      'Zoë',
      'Zoe',
      'Ana',
      'Anna',
      'Αθηνά',
      'Дмитрий',
      '名前',
      'さくらSakura',
      '김민준 Kim',
      "O'Brien",
      '🌾 Harvest 🌾',
    ];
    for (const name of names) await engine.execute('users.add', { name });
    expect(engine.users.list().map((u) => u.name)).toEqual(names);
    for (const name of names) await engine.execute('users.remove', { user: name });
  });

  test('mixedScripts: Latin with Cyrillic, Greek or Armenian letters is a mix; digits, marks and emoji are no script', () => {
    expect(mixedScripts('Pаvel')).toBe(true); // Cyrillic а
    expect(mixedScripts('Nikοs')).toBe(true); // Greek ο
    expect(mixedScripts('Jօhn')).toBe(true); // Armenian օ
    expect(mixedScripts('R2-D2 🌾')).toBe(false);
    expect(mixedScripts('Zoe\u0308')).toBe(false);
    expect(mixedScripts('สมชาย')).toBe(false); // Thai alone
    expect(mixedScripts('สมชาย Bob')).toBe(true);
  });
});

/** This test's own lookalike table (independent of the engine's): letter → characters that pass for it. */
const LOOKALIKE: Record<string, string[]> = {
  a: ['\u0430', '\u03b1'],
  c: ['\u0441', '\u03f2'],
  e: ['\u0435'],
  i: ['\u0456', '\u03b9'],
  j: ['\u0458'],
  l: ['1', 'I', '\u04cf'],
  o: ['0', '\u043e', '\u03bf', '\u0585'],
  p: ['\u0440', '\u03c1'],
  s: ['\u0455'],
  x: ['\u0445', '\u03c7'],
  y: ['\u0443'],
};
for (const ch of 'abcdefghijklmnopqrstuvwxyz') {
  const i = ch.charCodeAt(0) - 97;
  // Fullwidth and mathematical bold forms fold to the plain letter under compatibility normalisation.
  (LOOKALIKE[ch] ??= []).push(String.fromCodePoint(0xff41 + i), String.fromCodePoint(0x1d41a + i), ch.toUpperCase());
}

describe('property: any disguise of an existing name is refused and adds nothing', () => {
  test('a Latin name with any letters swapped for lookalikes is CONFLICT or INVALID_INPUT', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z]{3,12}$/u),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        async (base, picks) => {
          const disguised = [...base]
            .map((ch, i) => {
              const options = LOOKALIKE[ch]!;
              const p = picks[i]! % (options.length + 1);
              return p === options.length ? ch : options[p]!;
            })
            .join('');
          fc.pre(disguised !== base);
          await withUser(base, async () => {
            const before = count();
            let thrown: unknown = null;
            try {
              await engine.execute('users.add', { name: disguised });
            } catch (e) {
              thrown = e;
            }
            expect(thrown, `accepted ${disguised} beside ${base}`).not.toBeNull();
            expect(['CONFLICT', 'INVALID_INPUT']).toContain((thrown as { code: string }).code);
            expect(count()).toBe(before);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  test('skeleton is stable: the skeleton of a skeleton is itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        expect(skeleton(skeleton(s))).toBe(skeleton(s));
      }),
      { numRuns: 300 },
    );
  });
});
