import { nameForms } from '../../../src/modules/matching/names';

describe('nameForms', () => {
  it('keeps the digits of a name in its pinyin: 客户12 and 客户345 are two names', () => {
    expect(nameForms('INDIVIDUAL', '客户12').pinyin).not.toBe(
      nameForms('INDIVIDUAL', '客户345').pinyin,
    );
  });

  describe('of a person', () => {
    it('gives simplified and traditional spellings one key', () => {
      expect(nameForms('INDIVIDUAL', '陳靜')).toEqual(nameForms('INDIVIDUAL', '陈静'));
      expect(nameForms('INDIVIDUAL', '陈静')).toEqual({ key: '陈静', pinyin: 'chen jing' });
    });

    it('gives the pinyin spellings, in either order and case, the pinyin of the characters', () => {
      for (const latin of ['Chen Jing', 'JING CHEN', ' chen  jing ']) {
        expect(nameForms('INDIVIDUAL', latin).pinyin).toBe('chen jing');
      }
      expect(nameForms('INDIVIDUAL', 'Chen Jing').key).toBe('chenjing');
    });

    it('reads romanised names with tone marks, without spaces, or with the given name split', () => {
      for (const latin of ['Chén Jìng', 'ChenJing', 'CHENJING', 'chen-jing']) {
        expect(nameForms('INDIVIDUAL', latin).pinyin).toBe('chen jing');
      }
      for (const latin of ['ZHANG SAN FENG', 'Zhang San-feng', 'Zhāng Sānfēng', 'SAN FENG ZHANG']) {
        expect(nameForms('INDIVIDUAL', latin).pinyin).toBe(
          nameForms('INDIVIDUAL', '张三丰').pinyin,
        );
      }
      expect(nameForms('INDIVIDUAL', 'OuyangNana').pinyin).toBe('nana ouyang');
      // Any surname, cut where its syllable ends: not only the common ones.
      for (const [han, latin] of [
        ['栾翊', 'LUANYI'],
        ['笪卓', 'DAZHUO'],
        ['笪卓胜', 'DA ZHUO SHENG'],
        ['阚恒', 'KanHeng'],
        ['吕展桥', 'LYUZHANQIAO'],
      ]) {
        expect(nameForms('INDIVIDUAL', latin).pinyin).toBe(nameForms('INDIVIDUAL', han).pinyin);
      }
      // Passports write 吕 LYU.
      for (const latin of ['LYU BU', 'LV BU', 'Lǚ Bù', 'LYUBU']) {
        expect(nameForms('INDIVIDUAL', latin).pinyin).toBe(nameForms('INDIVIDUAL', '吕布').pinyin);
      }
      expect(nameForms('INDIVIDUAL', 'John Smith').pinyin).toBe('john smith');
      // Given names in another order are another name: twins are often named so.
      expect(nameForms('INDIVIDUAL', 'Puyang Ming Hua').pinyin).not.toBe(
        nameForms('INDIVIDUAL', 'Puyang Hua Ming').pinyin,
      );
    });

    it('reads a two-character given name as one romanised word', () => {
      expect(nameForms('INDIVIDUAL', '陈小明').pinyin).toBe('chen xiaoming');
      expect(nameForms('INDIVIDUAL', 'Xiaoming Chen').pinyin).toBe('chen xiaoming');
      expect(nameForms('INDIVIDUAL', 'Hsiao-Ming Chen').pinyin).toBe('chen hsiaoming');
    });

    it('reads compound surnames and surname readings of polyphonic characters', () => {
      expect(nameForms('INDIVIDUAL', '欧阳娜娜').pinyin).toBe('nana ouyang');
      expect(nameForms('INDIVIDUAL', '单雄信').pinyin).toBe('shan xiongxin');
      expect(nameForms('INDIVIDUAL', '吕布').pinyin).toBe(nameForms('INDIVIDUAL', 'Lü Bu').pinyin);
    });

    it('reads the rarer compound surnames, romanised as one word or two, first or last', () => {
      for (const name of ['SIKONG YANNAN', 'Yannan Sikong', 'SI KONG YAN NAN', 'YAN NAN SI KONG']) {
        expect([name, nameForms('INDIVIDUAL', name).pinyin]).toEqual([
          name,
          nameForms('INDIVIDUAL', '司空雁南').pinyin,
        ]);
      }
      expect(nameForms('INDIVIDUAL', '司空雁南').pinyin).toBe('sikong yannan');
      expect(nameForms('INDIVIDUAL', '万俟卨').pinyin).toBe('moqi xie');
      expect(nameForms('INDIVIDUAL', 'OU YANG NA NA').pinyin).toBe('nana ouyang');
    });

    it('drops spaces, full-width spaces and middle dots from the key', () => {
      expect(nameForms('INDIVIDUAL', '王　伟').key).toBe('王伟');
      expect(nameForms('INDIVIDUAL', '买买提·艾力')).toEqual({
        key: '买买提艾力',
        pinyin: 'aili maimaiti',
      });
      expect(nameForms('INDIVIDUAL', '买买提・艾力').key).toBe('买买提艾力');
    });
  });

  describe('of an organisation', () => {
    it('folds full-width brackets and traditional characters, keeping the legal form', () => {
      const forms = nameForms('ORGANISATION', '華通物流（上海）有限公司');
      expect(forms).toEqual({ key: '华通物流(上海)有限公司', pinyin: '' });
      expect(nameForms('ORGANISATION', '华通物流 (上海) 有限公司')).toEqual(forms);
    });
  });
});
