import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { localeFromAcceptLanguage, matchLocale, pickLocale, refusalText } from '../../src/i18n/index.js';

describe('choosing a language', () => {
  it('Telegram language_code and Discord locale tags: exact, any Chinese → zh-CN, language only, else none', () => {
    expect(['zh-hans', 'zh', 'zh-CN', 'zh_CN', 'zh-TW', 'zh-Hant-HK', 'ZH-HANS-SG'].map(matchLocale)).toEqual(Array(7).fill('zh-CN'));
    expect(['en', 'en-US', 'en-GB'].map(matchLocale)).toEqual(['en', 'en', 'en']);
    expect(['de', 'pt-BR', '', undefined, null].map(matchLocale)).toEqual([null, null, null, null, null]);
    expect(pickLocale('fr', 'zh-CN')).toBe('zh-CN');
    expect(pickLocale(undefined)).toBe('en');
  });

  it("Accept-Language: by quality, first one we have; '*' and unknown ones give the fallback", () => {
    expect(localeFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('fr-FR,fr;q=0.9,zh-TW;q=0.7,en;q=0.5')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en;q=0.4, zh;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('zh;q=0, en')).toBe('en');
    expect(localeFromAcceptLanguage('fr, *;q=0.1', 'zh-CN')).toBe('zh-CN');
    expect(localeFromAcceptLanguage(undefined, 'zh-CN')).toBe('zh-CN');
  });

  it('DEFAULT_LOCALE: en by default, zh-CN (or zh, zh-Hans) accepted, anything else refused naming the variable', () => {
    expect(loadConfig({}).defaultLocale).toBe('en');
    expect(loadConfig({ DEFAULT_LOCALE: 'zh-CN' }).defaultLocale).toBe('zh-CN');
    expect(loadConfig({ DEFAULT_LOCALE: 'zh-Hans' }).defaultLocale).toBe('zh-CN');
    expect(() => loadConfig({ DEFAULT_LOCALE: 'klingon' })).toThrow(/DEFAULT_LOCALE/);
  });

  it('refusals by code and params; an unknown code, or a known one made without params, keeps its English message', () => {
    const tooLong = { code: 'too-long', message: 'the audio is 6 min 40 s long; the limit is 5 min.', params: { subject: 'audio', seconds: 400, maxSeconds: 300 } };
    expect(refusalText('en', tooLong)).toBe(tooLong.message);
    expect(refusalText('zh-CN', tooLong)).toBe('音频长 6 分 40 秒；上限是 5 分钟。');
    expect(refusalText('zh-CN', { code: 'made-up', message: 'Something new.' })).toBe('Something new.');
    expect(refusalText('zh-CN', { code: 'no-face', message: 'No face in a.mp4.' })).toBe('No face in a.mp4.');
    expect(refusalText('zh-CN', { code: 'not-owner', message: 'Only the person who started this batch can cancel it.' })).toBe('只有发起这个批次的人才能取消它。');
  });
});
