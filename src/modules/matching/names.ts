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

/**
 * Who carries a value, for telling a dealer's phone (carried under many names) from a
 * household's: one person under any spelling of their name (陈静, 陳靜, 'Jing Chen') is one
 * holder. Two people whose names sound alike count as one, which only delays a value's
 * turning generic.
 */
export const holderOf = (forms: NameForms): string => forms.pinyin || forms.key;

/** {@link holderOf} of the source_record row `alias`, in SQL (name_pinyin is null for ''). */
export const holderSql = (alias: string): string =>
  `coalesce(${alias}.name_pinyin, ${alias}.name_key)`;

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
  // 百家姓's other compound surnames, rarer but still borne.
  '司空',
  '呼延',
  '万俟',
  '拓跋',
  '百里',
  '东郭',
  '西门',
  '赫连',
  '公冶',
  '宗政',
  '濮阳',
  '太叔',
  '申屠',
  '公羊',
  '仲孙',
  '鲜于',
  '闾丘',
  '司寇',
  '亓官',
  '子车',
  '颛孙',
  '巫马',
  '公西',
  '漆雕',
  '壤驷',
  '公良',
  '段干',
  '梁丘',
  '左丘',
  '东门',
  '第五',
  '微生',
  '羊舌',
  '乐正',
  '谷梁',
  '宰父',
  '夹谷',
  '拓拔',
];

/** A name written in Han characters only. */
export const HAN = /^\p{Script=Han}+$/u;

// A pinyin syllable: an initial (or none) and a final. A few combinations it admits do not
// occur; it only has to cut romanised names where their words do not.
const SYLLABLE =
  /^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ui|ve|ue|er|a|o|e|i|u|v)$/;

/** A word cut into pinyin syllables, longest first ('luanyi' → luan yi), if it is pinyin. */
export function syllables(word: string): string[] | undefined {
  if (word === '') return [];
  for (let length = Math.min(6, word.length); length > 0; length--) {
    const head = word.slice(0, length);
    if (!SYLLABLE.test(head)) continue;
    const rest = syllables(word.slice(length));
    if (rest) return [head, ...rest];
  }
  return undefined;
}

/** A surname's toneless pinyin, as one word, read by its surname reading (单 as shan). */
export const soundOf = (surname: string) =>
  pinyin(surname, { toneType: 'none', type: 'array', v: true, surname: 'head' }).join('');

// Two-syllable surnames, as romanised: a word that starts with one is cut after it.
const COMPOUND_SOUNDS = new Set(COMPOUND_SURNAMES.map(soundOf));

// The commonest surnames (公安部户政管理研究中心's name reports): a name written given name
// first ('SAN FENG ZHANG') ends with one.
const COMMON_SOUNDS = new Set(
  [
    ...('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶' +
      '程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺' +
      '顾毛郝龚邵万钱严覃武戴莫孔向汤'),
  ].map(soundOf),
);

/**
 * A romanised name's surname and given name, each one word, as a Han name is read: its own
 * words if there are two; one word is cut after its first syllable (or a two-syllable
 * surname: 'ChenJing', 'OuyangNana'); more words keep the first as the surname and join the
 * rest ('ZHANG SAN FENG'), unless only the last is a common surname ('SAN FENG ZHANG'); a
 * two-syllable surname may be written as two words, first or last ('SI KONG YAN NAN').
 */
function romanisedWords(words: string[]): string[] {
  if (words.length === 2) return words;
  if (words.length === 1) {
    const cut = syllables(words[0]);
    if (!cut || cut.length < 2) return words;
    const length = cut.length > 2 && COMPOUND_SOUNDS.has(cut[0] + cut[1]) ? 2 : 1;
    return [cut.slice(0, length).join(''), cut.slice(length).join('')];
  }
  // A two-syllable surname written as two words: 'SI KONG YANNAN', 'YANNAN SI KONG'.
  if (COMPOUND_SOUNDS.has(words[0] + words[1])) {
    return [words[0] + words[1], words.slice(2).join('')];
  }
  if (COMPOUND_SOUNDS.has(words.at(-2)! + words.at(-1)!)) {
    return [words.slice(0, -2).join(''), words.at(-2)! + words.at(-1)!];
  }
  const surname = (word: string) => COMPOUND_SOUNDS.has(word) || COMMON_SOUNDS.has(word);
  if (!surname(words[0]) && surname(words.at(-1)!)) {
    return [words.slice(0, -1).join(''), words.at(-1)!];
  }
  return [words[0], words.slice(1).join('')];
}

/**
 * The pinyin words of a name, sorted. Romanised names are written surname and given name as
 * one word each ('Chen Xiaoming', 'XIAOMING CHEN'), so a Han name is read the same way; a name
 * written with separators (买买提·艾力) keeps its own words.
 */
function pinyinOf(folded: string): string {
  let words = folded
    // Tone marks go ('Chén Jìng'); ü is written v, as below.
    .normalize('NFD')
    .replace(/u\u0308/g, 'v')
    .replace(/\p{M}/gu, '')
    // Apostrophes and hyphens join syllables inside one word: "Xi'an", 'Hsiao-Ming'.
    .replace(/['\u2019-]/g, '')
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((word) => word !== '');
  const [first] = words;
  if (words.length === 1 && HAN.test(first)) {
    const surnameLength = COMPOUND_SURNAMES.some((s) => first.startsWith(s)) ? 2 : 1;
    if (first.length > surnameLength) {
      words.splice(0, 1, first.slice(0, surnameLength), first.slice(surnameLength));
    }
  } else if (words.length > 0 && words.every((word) => /^[a-z]+$/.test(word))) {
    // Passports write lü and nü as LYU and NYU.
    words = romanisedWords(words.map((word) => word.replace(/^([ln])yu/, '$1v')));
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
