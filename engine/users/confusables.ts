/**
 * Names that look alike. A friend called "аlice" (Cyrillic а) beside "alice"
 * is how an operator gets tricked into withdrawing or exporting for the wrong
 * person, so such a name is refused when it is added or renamed to.
 *
 * This is the skeleton of Unicode TS #39 (section 4) reduced to what names of
 * friends need: compatibility decomposition (fullwidth, mathematical and
 * ligature letters fold to plain ones), then a compact table of the letters
 * that pass for Latin (Cyrillic, Greek, Armenian, a few Latin variants, and
 * the digit/letter pairs 0/O and 1/l/I), then lower case. The full
 * confusables.txt table exists on npm (`unhomoglyph`, generated from it), but
 * this worktree cannot add a dependency (its node_modules is shared with the
 * main checkout); the table below covers the letters that actually imitate
 * Latin names, and mixed-script names are refused outright (see mixedScripts),
 * which closes the rest of the gap for Latin names: a lookalike from any other
 * alphabet cannot hide among Latin letters.
 */

/** Letter → what it passes for (a lowercase Latin string). */
// prettier-ignore
const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'ë', і: 'i', ї: 'ï', ј: 'j', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', ѕ: 's',
  һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ү: 'y', ɡ: 'g', к: 'k', м: 'm', н: 'h', т: 't', ь: 'b',
  А: 'a', В: 'b', Е: 'e', Ё: 'ë', З: '3', І: 'l', Ї: 'ï', Ј: 'j', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p',
  С: 'c', Т: 't', У: 'y', Х: 'x', Ѕ: 's', Ү: 'y', Ԛ: 'q', Ԝ: 'w', Ӏ: 'l', Ԁ: 'd', Ь: 'b',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ϲ: 'c',
  ϳ: 'j', ω: 'w', Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'l', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p',
  Τ: 't', Υ: 'y', Χ: 'x', Ϲ: 'c', Ϳ: 'j',
  // Armenian
  օ: 'o', ս: 'u', հ: 'h', ո: 'n', ց: 'g', զ: 'q', Տ: 's', Օ: 'o',
  // Latin variants and digit/letter pairs (UTS #39 maps 0 to O, and 1, I and | to l)
  ı: 'i', ɑ: 'a', ȷ: 'j', ʟ: 'l', ɩ: 'i', '0': 'o', '1': 'l', I: 'l', '|': 'l',
};

/**
 * The skeleton of a name: two names with the same skeleton look the same.
 * Case is folded too (names are already unique ignoring case). One pass can
 * uncover more (a mathematical capital gamma decomposes to Γ, which lower-cases
 * to γ, which passes for y), so passes repeat until nothing changes.
 */
export function skeleton(name: string): string {
  let current = name;
  for (let i = 0; i < 8; i++) {
    const next = pass(current);
    if (next === current) return next;
    current = next;
  }
  return current;
}

function pass(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKD')) {
    const direct = LOOKALIKES[ch];
    if (direct !== undefined) {
      out += direct;
      continue;
    }
    for (const low of ch.toLowerCase()) out += LOOKALIKES[low] ?? low;
  }
  // "rn" reads as "m" (UTS #39 maps m to rn), and "vv" as "w". Names are unique ignoring case, so a
  // capital I may stand for i (its lower case) or for l (its lookalike), even both in one name: i and l
  // are one letter here ("Ali" and "All" conflict, a small price for never showing two friends alike).
  return out.replace(/m/gu, 'rn').replace(/w/gu, 'vv').replace(/i/gu, 'l').replace(/\s+/gu, ' ').normalize('NFKD');
}

/** Scripts told apart here; letters of any script not listed count as one more script, "Other". */
const SCRIPTS: readonly (readonly [string, RegExp])[] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Ethiopic', /\p{Script=Ethiopic}/u],
];

/** Combinations UTS #39 allows in one identifier ("highly restrictive"): CJK writing mixes these. */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** The scripts of a name's letters (digits, punctuation, emoji and marks belong to none). */
export function scriptsOf(name: string): Set<string> {
  const found = new Set<string>();
  for (const ch of name.normalize('NFKD')) {
    if (!/\p{L}/u.test(ch)) continue;
    const hit = SCRIPTS.find(([, re]) => re.test(ch));
    found.add(hit ? hit[0] : 'Other');
  }
  return found;
}

/** Whether a name mixes scripts in a way no real name needs (Latin with Cyrillic, say): a disguise. */
export function mixedScripts(name: string): boolean {
  const scripts = [...scriptsOf(name)];
  if (scripts.length <= 1) return false;
  return !ALLOWED_MIXES.some((allowed) => scripts.every((s) => allowed.has(s)));
}
