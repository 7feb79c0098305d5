import { Converter } from 'opencc-js/t2cn';
import { pinyin } from 'pinyin-pro';
import { remembered } from './remembered';

export interface NameForms {
  /**
   * NFKC, traditional→simplified, whitespace and middle dots removed, Latin lower-cased:
   * '陳 靜' → '陈静'. NFKC also turns an organisation's full-width brackets into ASCII ones; its
   * legal form ('有限公司') stays part of the key.
   */
  key: string;
  /**
   * Toneless pinyin, lower-case, one word for the surname and one for the given name, sorted
   * and joined by one space: '陈静', 'Chen Jing' and 'JING CHEN' → 'chen jing'; '陈小明' and
   * 'Xiaoming Chen' → 'chen xiaoming'. A Latin-script name gives its words lower-cased and
   * sorted. Organisations: '' (not used).
   */
  pinyin: string;
}

// Taiwan and Hong Kong sources write variant characters (裡, 峯) that the plain traditional
// table leaves alone; the Taiwan table folds them as well as the standard traditional ones.
const toSimplified = Converter({ from: 'tw', to: 'cn' });

// Uyghur and other transliterated names separate their parts with a middle dot, which sources
// write with any of these look-alikes, or leave out.
const SEPARATORS = /[\s\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb]+/gu;

/**
 * Folds the spelling differences that source systems make without meaning a different
 * value: full-width letters, digits and brackets (NFKC), traditional characters and letter
 * case. Word breaks are kept.
 */
export function foldText(text: string): string {
  return toSimplified(text.normalize('NFKC')).toLowerCase();
}

const NAMES_KEPT = 100_000;
const formsOf = (individual: boolean) =>
  remembered((name): NameForms => {
    const folded = foldText(name.trim());
    const key = folded.replace(SEPARATORS, '');
    // Shared by every record bearing the name: frozen, so that none can change it for all.
    return Object.freeze({ key, pinyin: individual ? pinyinOf(folded) : '' });
  }, NAMES_KEPT);
const individualForms = formsOf(true);
const organisationForms = formsOf(false);

/** The comparable forms of a customer's name; see {@link NameForms}. */
export function nameForms(kind: 'INDIVIDUAL' | 'ORGANISATION', name: string): NameForms {
  return kind === 'INDIVIDUAL' ? individualForms(name) : organisationForms(name);
}

// Two-character surnames (复姓) still in use; every other Han name starts with a one-character
// surname.
export const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '令狐',
  '慕容',
  '尉迟',
  '公孙',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '端木',
  '南宫',
  '钟离',
  '闻人',
  '澹台',
];

const HAN = /^\p{Script=Han}+$/u;

/**
 * The pinyin words of a name, sorted. Romanised names are written surname and given name as
 * one word each ('Chen Xiaoming', 'XIAOMING CHEN'), so a Han name is read the same way; a name
 * written with separators (买买提·艾力) keeps its own words.
 */
function pinyinOf(folded: string): string {
  // Apostrophes and hyphens join syllables inside one word: "Xi'an", 'Hsiao-Ming'.
  const words = folded
    .replace(/['\u2019-]/g, '')
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((word) => word !== '');
  const [first] = words;
  if (words.length === 1 && HAN.test(first)) {
    const surnameLength = COMPOUND_SURNAMES.some((s) => first.startsWith(s)) ? 2 : 1;
    if (first.length > surnameLength) {
      words.splice(0, 1, first.slice(0, surnameLength), first.slice(surnameLength));
    }
  }
  return words
    .map((word, i) =>
      // 'head' reads a surname's characters by their surname readings (单 as shan, 曾 as
      // zeng). ü is written v, as Chinese keyboards and most romanised fields write it.
      pinyin(word, { toneType: 'none', type: 'array', v: true, surname: i === 0 ? 'head' : 'off' })
        .join('')
        .replace(/ü/g, 'v')
        // Digits stay: 客户12 and 客户345 are different names, whatever their pinyin.
        .replace(/[^a-z0-9]/g, ''),
    )
    .filter((word) => word !== '')
    .sort()
    .join(' ');
}
