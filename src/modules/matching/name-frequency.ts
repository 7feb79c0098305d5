import { pinyin } from 'pinyin-pro';
import { nameForms, soundOf, syllables, type NameForms } from './names';
import { remembered } from './remembered';

/**
 * How common a Chinese personal name is in the population, for the term-frequency weight of
 * a name agreement. A national distribution, not the hub's own counts alone: in a young or
 * small file every name looks rare (王伟 seen once weighs like 司马懿之), and a weight
 * read from the live counts would change with every record loaded, which would make the
 * result depend on the order records arrive in. The hub's own counts still raise a name
 * that is common in the insurer's book (see CustomerBatch.context).
 */

/**
 * The most common full names, holders per 100,000 people. Source: 公安部户政管理研究中心,
 * 《二〇一九年全国姓名报告》 (the ten most common names, about 230,000 to 295,000 holders
 * each among 1.4 billion), rounded.
 */
const FULL_NAMES: Record<string, number> = {
  张伟: 21,
  王伟: 20.6,
  王芳: 19.2,
  李伟: 18.6,
  李娜: 18.3,
  张敏: 17,
  李静: 16.8,
  王静: 16.7,
  刘伟: 16.6,
  王秀英: 16.5,
};

/**
 * Surnames' shares of the population, per cent. Source: 公安部户政管理研究中心,
 * 《二〇二〇年全国姓名报告》 (the 20 most common surnames hold about 55% of people), rounded;
 * two-character surnames are rare.
 */
const SURNAMES: Record<string, number> = {
  王: 7.1,
  李: 7.0,
  张: 6.7,
  刘: 5.1,
  陈: 4.6,
  杨: 3.2,
  赵: 2.4,
  黄: 2.4,
  周: 2.1,
  吴: 2.0,
  徐: 1.7,
  孙: 1.5,
  胡: 1.3,
  朱: 1.3,
  高: 1.2,
  林: 1.2,
  何: 1.2,
  郭: 1.1,
  马: 1.1,
  罗: 0.9,
};

/** Any other single-character surname, per cent (about 45% spread over some 400 surnames). */
const OTHER_SURNAME = 0.1;

/**
 * The given names most often chosen (the same reports list them among the top names), per
 * cent of people; any other given name of one character 0.05%, of two characters 0.005%
 * (chosen: given names spread far more widely than surnames).
 */
const GIVEN_NAMES: Record<string, number> = {
  伟: 0.9,
  芳: 0.6,
  娜: 0.6,
  敏: 0.55,
  静: 0.55,
  秀英: 0.5,
  丽: 0.45,
  强: 0.45,
  磊: 0.4,
  军: 0.4,
  洋: 0.35,
  勇: 0.35,
  艳: 0.35,
  杰: 0.35,
  娟: 0.3,
  涛: 0.3,
  明: 0.3,
  超: 0.3,
  秀兰: 0.3,
  霞: 0.3,
  平: 0.3,
  刚: 0.3,
  桂英: 0.25,
};

const HAN = /^\p{Script=Han}{2,4}$/u;

/** Any other given name's share, per cent, by its length in characters (or syllables). */
const otherGivenName = (length: number) => (length === 1 ? 0.05 : 0.005);

/**
 * The share of people holding this name, or undefined for what is no Chinese personal name
 * (a foreign name, an organisation): a Han name's by its characters, a romanised one's by
 * its sounds (see soundShare).
 */
export function nameShare(name: NameForms): number | undefined {
  if (!HAN.test(name.key)) return soundShare(name.pinyin);
  const known = FULL_NAMES[name.key];
  if (known !== undefined) return known / 100_000;
  const surnameShare = SURNAMES[name.key[0]] ?? OTHER_SURNAME;
  const given = name.key.slice(1);
  const givenShare = GIVEN_NAMES[given] ?? otherGivenName(given.length);
  return (surnameShare / 100) * (givenShare / 100);
}

/** Per cent shares summed by toneless pinyin: every spelling a romanised word may stand for. */
function bySound(shares: Record<string, number>, sound: (text: string) => string) {
  const summed = new Map<string, number>();
  for (const [text, share] of Object.entries(shares)) {
    summed.set(sound(text), (summed.get(sound(text)) ?? 0) + share);
  }
  return summed;
}

const givenSound = (given: string) =>
  pinyin(given, { toneType: 'none', type: 'array', v: true }).join('');
const FULL_NAME_SOUNDS = bySound(FULL_NAMES, (name) => nameForms('INDIVIDUAL', name).pinyin);
const SURNAME_SOUNDS = bySound(SURNAMES, soundOf);
const GIVEN_NAME_SOUNDS = bySound(GIVEN_NAMES, givenSound);

/**
 * A romanised name ('ZHANG WEI', 'Wei Zhang') stands for every Han name of its sounds (张伟,
 * 章伟, 张薇...), so it is at least as common as the commonest of them: the known names and
 * surnames of those sounds, summed, in either word order (its pinyin is sorted). Undefined
 * when it is not two words of pinyin.
 */
const soundShare = remembered(shareOfSounds, 100_000);

function shareOfSounds(sorted: string): number | undefined {
  const words = sorted.split(' ');
  if (words.length !== 2 || !words.every((word) => syllables(word)?.length)) return undefined;
  const share = (surname: string, given: string) =>
    ((SURNAME_SOUNDS.get(surname) ?? OTHER_SURNAME) / 100) *
    ((GIVEN_NAME_SOUNDS.get(given) ?? otherGivenName(syllables(given)!.length)) / 100);
  return Math.max(
    (FULL_NAME_SOUNDS.get(sorted) ?? 0) / 100_000,
    share(words[0], words[1]),
    share(words[1], words[0]),
  );
}

/**
 * How many of `population` records are expected to bear this name: its national share, or
 * the file's own count where that is higher (a name common in the insurer's book), in
 * power-of-two buckets so that it moves as seldom as the count doubles. The file's count is
 * not taken against the live total: a weight that moved with every record loaded would
 * make the result depend on the order the records arrive in.
 */
export function expectedHolders(name: NameForms, count: number, population: number): number {
  return Math.max(
    2 ** Math.floor(Math.log2(Math.max(1, count))),
    (nameShare(name) ?? 0) * population,
  );
}

/** The power-of-two bucket of a name's count: re-evaluation follows its changes. */
export const countBucket = (count: number) => (count <= 0 ? -1 : Math.floor(Math.log2(count)));
