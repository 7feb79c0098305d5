import { checkEmail } from '../../../src/validation';

describe('checkEmail', () => {
  it.each([
    ['Zhou.Wei@163.COM', 'zhou.wei@163.com'],
    [' zhou+cif@mail.example.cn ', 'zhou+cif@mail.example.cn'],
    ["o'neil_1@sub-domain.example.com", "o'neil_1@sub-domain.example.com"],
    // As an input method types them: full-width @, dot and letters.
    ['ｚｈｏｕ＠example．com', 'zhou@example.com'],
    ['zhou@163。com', 'zhou@163.com'],
    ['zhou@163｡com', 'zhou@163.com'],
    ['张伟@例子.中国', '张伟@例子.中国'],
  ])('accepts %p as %p', (input, normalized) => {
    expect(checkEmail(input)).toEqual({ ok: true, value: { normalized }, warnings: [] });
  });

  it.each([
    ['no @', 'zhou.163.com'],
    ['two @', 'zhou@wei@163.com'],
    ['a mailto: link', 'mailto:zhou@163.com'],
    ['angle brackets', '<zhou@163.com>'],
    ['a display name', 'Zhou Wei <zhou@163.com>'],
    ['a comment', 'zhou(comment)@163.com'],
    ['a leading dot', '.zhou@163.com'],
    ['a double dot in the mailbox', 'zhou..wei@163.com'],
    ['a double dot in the domain', 'zhou@163..com'],
    ['a label starting with a hyphen', 'zhou@-163.com'],
    ['a trailing dot', 'zhou@163.com.'],
    ['a domain of one name', 'zhou@localhost'],
    ['an address literal', 'zhou@[10.0.0.1]'],
    ['a numeric top-level domain', 'zhou@10.0.0.1'],
    ['an empty mailbox', '@163.com'],
    ['a 65-character mailbox', `${'a'.repeat(65)}@163.com`],
    ['a zero-width joiner', 'zhou\u200d@163.com'],
  ])('rejects %s', (_, input) => {
    const result = checkEmail(input);
    expect(result).toMatchObject({ ok: false, violations: [{ rule: 'EMAIL_FORMAT' }] });
    // Messages travel in responses and logs: they quote nothing of the address.
    expect(JSON.stringify(result)).not.toMatch(/zhou|163/);
  });
});
