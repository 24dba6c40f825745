import { afterEach, describe, expect, it } from 'vitest';
import { createWebWorld, pathOf, type WebWorld } from '../support/batchFixture.js';

/** The text a reader sees: no style sheet, no tags, entities decoded, file names left out. */
function visibleText(body: string): string {
  return body
    .replace(/<style>[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\w-]+\.(mp4|mov|wav)\b/g, ' ');
}
const englishIn = (text: string) => (text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? []).filter((w) => !/^(ZIP|MP4|KB|MB|UTC)$/.test(w));

describe('results page: language', () => {
  let w: WebWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  async function world(env: Record<string, string> = {}): Promise<WebWorld> {
    const made = await createWebWorld(env);
    await made.addBatch('bzh', [
      { template: 'smile.mp4' },
      { template: 'noface.mov', status: 'failed', error: { code: 'no-face', message: "I couldn't find a face in noface.mov. Use a video or photo where one face is clearly visible.", params: { label: 'noface.mov' } } },
      { template: 'late.mp4', status: 'active', progress: { stage: 'render', framesDone: 30, framesTotal: 120, fps: 20, etaSeconds: 4 } },
      { template: 'waiting.mp4', status: 'queued' },
      { template: 'stopped.mp4', status: 'cancelled' },
    ]);
    return made;
  }

  it('Accept-Language: zh-CN renders the page in Chinese, with no English left but file and format names', async () => {
    w = await world();
    const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bzh')), headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-language']).toBe('zh-CN');
    expect(res.headers.vary).toMatch(/Accept-Language/);
    const body = res.body;
    expect(body).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(body).toContain('<title>你的口型同步片段</title>');
    expect(body).toContain('共 5 个片段 · 1 个已完成 · 1 个失败 · 1 个已取消 · 2 个仍在渲染');
    expect(body).toContain('下载 smile.mp4');
    expect(body).toContain('全部下载（ZIP）');
    expect(body).toContain('失败：在 noface.mov 中找不到人脸。');
    expect(body).toContain('正在渲染：口型同步，25%');
    expect(body).toContain('部分片段仍在制作中。');
    expect(englishIn(visibleText(body))).toEqual([]);
  });

  it('English without Accept-Language; DEFAULT_LOCALE=zh-CN for browsers that ask for none we have; an explicit en still wins', async () => {
    w = await world();
    const plain = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bzh')) });
    expect(plain.body).toMatch(/<html lang="en">/);
    expect(plain.body).toContain('Failed: I couldn&#39;t find a face in noface.mov.');
    await w.close();

    w = await world({ DEFAULT_LOCALE: 'zh-CN' });
    const german = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bzh')), headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(german.body).toMatch(/<html lang="zh-CN">/);
    const english = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bzh')), headers: { 'accept-language': 'en-GB' } });
    expect(english.body).toMatch(/<html lang="en">/);
  });

  it('error pages follow Accept-Language too: unknown batch, expired link, altered link', async () => {
    w = await world();
    const zh = { 'accept-language': 'zh' };
    const missing = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bmissing')), headers: zh });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<h1>未找到</h1><p>这个批次不存在或已不再保存。</p>');
    expect(missing.body).toMatch(/<html lang="zh-CN">/);
    const altered = await w.app.inject({ method: 'GET', url: `${pathOf(w.links.batchUrl('bzh'))}x`, headers: zh });
    expect(altered.statusCode).toBe(403);
    expect(altered.body).toContain('链接无效');
    const link = pathOf(w.links.batchUrl('bzh'));
    w.clock.now += (w.config.linkTtlSeconds + 5) * 1000;
    const expired = await w.app.inject({ method: 'GET', url: link, headers: zh });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('<h1>链接已过期</h1>');
    expect(expired.body).toMatch(/这个链接已于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d \(UTC\) 过期。/);
    expect(englishIn(visibleText(expired.body))).toEqual([]);
    // English readers still get the English page.
    const en = await w.app.inject({ method: 'GET', url: link });
    expect(en.body).toContain('<h1>Link expired</h1>');
  });
});
