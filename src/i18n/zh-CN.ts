import { shortLabel } from '../format.js';
import type { Catalog, HelpOptions, RefusalParams } from './en.js';

/**
 * 简体中文目录。Same keys and params as en.ts (the Catalog type and test/i18n/catalog.test.ts check it).
 * Terms used throughout: 音频, 模板（模板视频/照片）, 渲染, 进度, 下载链接, 批次, 取消, 片段 (one output clip).
 */

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** "12.3 秒", "14 分钟", "1 分 5 秒" (the same numbers as the English "1 min 5 s"). */
function seconds(value: number): string {
  if (value < 60) return `${Math.round(value * 10) / 10} 秒`;
  const minutes = Math.floor(value / 60);
  const rest = Math.round(value - minutes * 60);
  return rest === 0 ? `${minutes} 分钟` : `${minutes} 分 ${rest} 秒`;
}

function eta(value: number): string {
  if (value < 5) return '几秒钟';
  if (value < 60) return `约 ${Math.round(value / 5) * 5} 秒`;
  if (value < 3600) return `约 ${Math.round(value / 60)} 分钟`;
  const h = Math.floor(value / 3600);
  const m = Math.round((value - h * 3600) / 60);
  return m === 0 ? `约 ${h} 小时` : `约 ${h} 小时 ${m} 分钟`;
}

function bytes(value: number): string {
  const mb = value / (1024 * 1024);
  if (mb >= 10) return `${Math.round(mb)} MB`;
  if (mb >= 1) return `${Math.round(mb * 10) / 10} MB`;
  if (value >= 1024) return `${Math.round(value / 1024)} KB`;
  return `${value} 字节`;
}

function dateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} (UTC)`;
}

export const zhCN: Catalog = {
  units: { seconds, eta, bytes, dateTime },

  bot: {
    help(o: HelpOptions): string {
      return [
        `1）发送一段音频（语音、音乐文件，或以 ${o.command('audio')} 为说明文字的视频，使用其声音），最长 ${seconds(o.maxAudioSeconds)}。`,
        `2）发送最多 ${o.maxClips} 个模板视频或照片（需有人脸），然后点“渲染”。过程中可使用 ${o.command('status')}、${o.command('cancel')} 和 ${o.command('history')}。`,
        ...(o.studio ? [`文件很大或模板很多？${o.command('studio')} 会给你一个进入网页工作室的个人链接。`] : []),
      ].join('\n');
    },
    greetingPrefix(userName: string, isGroup: boolean): string {
      return isGroup ? `${userName}：` : '';
    },
    audioSet(value: number, templates: number): string {
      const next = templates === 0 ? '现在请发送一个或多个模板视频或照片。' : `已有 ${templates} 个模板：点“渲染”即可开始。`;
      return `已设置音频：${seconds(value)}。${next}`;
    },
    audioReplaced(value: number): string {
      return `已替换音频：${seconds(value)}。`;
    },
    templatesAdded(added: number, total: number, hasAudio: boolean): string {
      const what = added === 1 ? `已添加模板 ${total}。` : `已添加 ${added} 个模板（共 ${total} 个）。`;
      return hasAudio ? `${what}准备好后点“渲染”。` : `${what}现在请发送音频。`;
    },
    tooManyTemplates(max: number): string {
      return `一个批次最多 ${max} 个模板。请先渲染这些，或移除一些。`;
    },
    someSkipped(skipped: number): string {
      return `另有 ${skipped} 个文件未添加：批次已满。`;
    },
    templateList(items: readonly { label: string }[]): string {
      if (items.length === 0) return '还没有模板。请发送模板视频或照片。';
      return ['模板（点一个即可移除）：', ...items.map((t, i) => `${i + 1}. ${shortLabel(t.label)}`)].join('\n');
    },
    templateRemoved(label: string, left: number): string {
      return `已移除 ${shortLabel(label)}，还剩 ${left} 个模板。`;
    },
    cleared: '已清空：请重新发送音频和模板。',
    nothingToClear: '没有需要清空的内容。',
    missingForRender(hasAudio: boolean, templates: number): string {
      if (!hasAudio && templates === 0) return '还没有可渲染的内容：请先发送音频，再发送一个或多个模板视频或照片。';
      if (!hasAudio) return `你已有 ${templates} 个模板，但还没有音频：请先发送语音消息或音频文件。`;
      return '音频已设置，但还没有模板：请发送一个或多个模板视频或照片。';
    },
    alreadyRendering: '正在提交你的批次，请稍候…',
    submitFailed: '渲染队列暂时不可用，请一分钟后再试。',
    unsupportedFile(name: string | undefined, mime: string | undefined): string {
      const what = name ? `“${shortLabel(name)}”` : mime ? `这个 ${mime} 文件` : '这个文件';
      return `${what}无法使用。请发送音频（语音、MP3、WAV、OGG、M4A）或模板视频或照片（MP4、MOV、WebM、JPG、PNG）。`;
    },
    tooLargeToDownload(size: number | null, limitBytes: number, liftable: boolean): string {
      const what = size === null ? '这个文件太大了' : `这个文件有 ${bytes(size)}`;
      const why = liftable
        ? `；机器人在这里最多只能下载 ${bytes(limitBytes)} 的文件（聊天平台的限制）。请发送更短或压缩过的版本，或请管理员部署本地 Bot API 服务器以解除此限制。`
        : `；上限是 ${bytes(limitBytes)}。请发送更短或压缩过的版本。`;
      return what + why;
    },
    audioTooLong(value: number, maxSeconds: number): string {
      return `这段音频长 ${seconds(value)}，上限是 ${seconds(maxSeconds)}。请剪短后重新发送。`;
    },
    templateTooLong(value: number, maxSeconds: number): string {
      return `这个视频长 ${seconds(value)}，模板的上限是 ${seconds(maxSeconds)}。`;
    },
    downloadFailed: '无法下载这个文件，请重新发送。',
    busyTryLater: '我现在很忙（正在下载或存储的内容太多）。没有下载任何文件，请几分钟后重新发送。',
    notAllowed: '抱歉，这是一个私有机器人。',
    notYourButtons: '这些按钮属于其他人。请发送你自己的音频开始。',
    expiredButton: '这个按钮已过期。',
    queued(clips: number): string {
      return `已提交 ${clips} 个片段。我会持续更新这条消息。`;
    },
    cancelRequested: '正在取消…',
    nothingToCancel: '你在这里没有正在进行的渲染。',
    cancelledCount(n: number): string {
      return n === 0 ? '没有可取消的内容：已经完成了。' : `已取消 ${n} 个片段。`;
    },
    noStatus: '这里没有正在进行的渲染。发送音频和模板即可开始。',
    statusSession(hasAudio: boolean, audioSeconds: number | null, templates: number): string {
      const a = hasAudio && audioSeconds !== null ? `音频 ${seconds(audioSeconds)}` : '没有音频';
      return `可以渲染：${a}，${templates} 个模板。`;
    },
    slowDown(waitSeconds: number): string {
      return `操作有点太快了，请在 ${seconds(Math.max(1, Math.ceil(waitSeconds)))}后再试。`;
    },
    sessionResumed(audioSeconds: number | null, templates: number): string {
      const parts = [...(audioSeconds !== null ? [`音频（${seconds(audioSeconds)}）`] : []), ...(templates > 0 ? [`${templates} 个模板`] : [])];
      const next = audioSeconds === null ? '请发送音频，然后点“渲染”。' : templates === 0 ? '请发送模板视频或照片，然后点“渲染”。' : '准备好后点“渲染”，或继续发送。';
      // A space sets a number apart from the characters around it: "音频（12 秒）和 2 个模板".
      return `我刚刚重启过，你发送的内容都还在：${parts.join('和').replace(/和(\d)/, '和 $1')}。${next}`;
    },
    historyEmpty: '这里还没有以前的批次。',
    historyHeader: '你最近的批次：',
    historyLine(when: string, done: number, total: number, status: 'running' | 'finished', link: string | null): string {
      const state = status === 'running' ? '进行中' : `已完成 ${done}/${total}`;
      return `• ${when}：${state}${link ? ` — ${link}` : ''}`;
    },
    clipCaption(index: number, total: number, template: string): string {
      return total > 1 ? `${index + 1}/${total}：${shortLabel(template)}` : shortLabel(template);
    },
    clipLink(index: number, template: string, url: string): string {
      return `${index + 1}. ${shortLabel(template)} 太大，无法在这里发送：${url}`;
    },
    clipTooLargeNoLink(index: number, template: string, size: number, limitBytes: number): string {
      return `${index + 1}. ${shortLabel(template)} 有 ${bytes(size)}，超过了这里 ${bytes(limitBytes)} 的上传上限，且本服务器未配置下载链接。请向管理员索取文件。`;
    },
    clipRefusedTooLarge(index: number, template: string, size: number): string {
      return `${index + 1}. ${shortLabel(template)}（${bytes(size)}）因太大被拒绝发送，且本服务器未配置下载链接。请向管理员索取文件。`;
    },
    clipSendFailed(index: number, template: string): string {
      return `${index + 1}. ${shortLabel(template)} 已完成，但我没能发送出去。请稍后使用 /history 查看。`;
    },
    batchLinks(pageUrl: string, zipUrl: string | undefined): string {
      return `本批次的全部片段：${pageUrl}${zipUrl ? `\n全部打包为一个 ZIP：${zipUrl}` : ''}`;
    },
    noLinksNote: '片段只会以附件形式发送到这里（未配置下载服务器）。',

    studioLink(url: string, minutes: number): string {
      return `你进入网页工作室的个人登录链接（可上传大文件和多个模板、查看批次进度并下载）：\n${url}\n此链接只能使用一次，${minutes} 分钟后失效。请勿分享：它会以你的身份登录。`;
    },
    studioUnavailable: '这里无法使用网页工作室：此机器人没有配置网页服务器。',
    studioSentPrivately: '我已通过私聊把你的个人工作室链接发给你。',
    studioAskPrivately(command: string): string {
      return `工作室链接是个人专用的，所以我不会发在这里。请打开与我的私聊，点“开始”，然后在那里发送 ${command}。`;
    },
    studioOfferLink(url: string, minutes: number): string {
      return `你可以改在网页工作室上传它：${url}\n（这是你的个人链接：只能使用一次，${minutes} 分钟后失效。）`;
    },
    studioOfferHint(command: string): string {
      return `较大的文件可以在网页工作室上传：${command} 会给你一个个人链接。`;
    },

    progressHeaderWaiting(position: number | null, etaSeconds: number | null): string {
      const pos = position === null ? '排队等待中' : position === 1 ? '下一个就轮到你' : `排在第 ${position} 位`;
      return `⏳ 已排队：${pos}${etaSeconds !== null ? `，${eta(etaSeconds)}后开始` : ''}。`;
    },
    progressHeaderRendering(current: number, total: number): string {
      return total === 1 ? '🎬 正在渲染…' : `🎬 正在渲染第 ${current} 个片段，共 ${total} 个…`;
    },
    progressHeaderFinished(done: number, failed: number, cancelled: number, total: number): string {
      if (cancelled === total) return '⊘ 已取消。';
      if (done === total) return total === 1 ? '✅ 已完成。' : `✅ 已完成：全部 ${total} 个片段。`;
      const parts = [`${total} 个中已完成 ${done} 个`];
      if (failed > 0) parts.push(`${failed} 个失败`);
      if (cancelled > 0) parts.push(`${cancelled} 个已取消`);
      return `🏁 结束：${parts.join('，')}。`;
    },
    progressCancelling: '⊘ 正在取消…',
    progressAudioLine(audio: string): string {
      return `音频：${shortLabel(audio)}`;
    },
    clipQueued(position: number | null): string {
      return position === null ? '等待中' : `排在第 ${position} 位`;
    },
    clipPreparing: '准备中…',
    clipReadingAudio: '读取音频…',
    clipFinishing: '收尾中…',
    clipRendering(bar: string, percent: number, fps: number, etaSeconds: number | null): string {
      const speed = fps > 0 ? ` · ${fps >= 10 ? Math.round(fps) : Math.round(fps * 10) / 10} fps` : '';
      const left = etaSeconds !== null ? ` · 剩余${eta(etaSeconds)}` : '';
      return `${bar} ${percent}%${speed}${left}`;
    },
    clipDone: '✓ 完成',
    clipDonePreview: '✓ 完成（预览引擎：尚未安装口型同步模型）',
    clipFailed(message: string | null): string {
      return `✗ ${message ?? '失败'}`;
    },
    clipCancelled: '⊘ 已取消',
    buttons: {
      render: '▶ 渲染',
      clear: '🗑 清空',
      remove: '✂ 移除…',
      back: '← 返回',
      cancel: '✖ 取消',
      removeItem(i: number, label: string): string {
        return `✕ ${i + 1}. ${shortLabel(label, 24)}`;
      },
    },
    internalError: '我这边出了点问题，请再试一次。',
    mediaNames: {
      audio: '音频',
      voice: '语音消息',
      video: '视频',
      video_note: '视频消息',
      animation: '动图',
      photo: '照片',
      document: '文件',
    },
    commandDescriptions: {
      start: '使用说明',
      help: '使用说明',
      render: '把音频渲染到每个模板上',
      clear: '清除音频和模板',
      list: '列出模板（可移除）',
      status: '查看已就绪和正在渲染的内容',
      cancel: '取消正在进行的渲染',
      history: '你最近的批次',
      studio: '你进入网页工作室的登录链接',
    },
  },

  discord: {
    batchThreadName(userName: string): string {
      return shortLabel(`lipsync · ${userName}`, 90);
    },
    batchStarter(userName: string, clips: number): string {
      return `${userName} 开始了一个包含 ${clips} 个片段的口型同步批次。进度和片段将发在子区中。`;
    },
    batchStarterNoThread(userName: string, clips: number): string {
      return `${userName} 开始了一个包含 ${clips} 个片段的口型同步批次。进度和片段将发在下方。`;
    },
    conversationStarter(userName: string): string {
      return `${userName} 开启了一个口型同步会话。请在子区中发送音频和模板视频或照片。`;
    },
    conversationNoThread: '请在这里以消息形式发送音频和模板视频或照片。',
    conversationDisabled: '请在 /lipsync 中附上音频和至少一个模板视频或照片（选项 audio 和 video…）。本机器人已关闭从消息中收集文件的功能。',
    refused: '没有加入队列：',
    notOwnerCancel: '只有发起这个批次的人或服务器管理员才能取消它。',
    commands: {
      lipsync: '把一段音频口型同步到模板视频或照片上（不带附件：在子区中收集）',
      audioOption: '音频（语音、MP3、WAV、OGG、M4A）',
      videoOption(n: number): string {
        return n === 1 ? '一个模板视频或照片' : `模板视频或照片 ${n}`;
      },
      loopOption: '模板比音频短时如何延续',
      history: '你最近的口型同步批次（仅你可见）',
      status: '这里已就绪和正在渲染的内容',
      cancel: '取消你在这里正在进行的渲染',
      studio: '你进入网页工作室的个人登录链接（仅你可见）',
    },
  },

  refusals: {
    'file-too-large': (p: RefusalParams) => `${str(p.label)} 有 ${bytes(num(p.bytes))}，上限是 ${bytes(num(p.maxBytes))}。`,
    'unsupported-format': (p: RefusalParams) =>
      `${str(p.label)} 的格式不受支持（${str(p.format)}）。请发送 MP4、MOV、MKV、WebM 或 AVI 视频，JPG/PNG/WebP 图片，或 WAV/MP3/M4A/OGG/FLAC 音频。`,
    'too-long': (p: RefusalParams) => {
      const limit = p.subject === 'template' ? `模板的上限是 ${seconds(num(p.maxSeconds))}` : `上限是 ${seconds(num(p.maxSeconds))}`;
      // A file name stands apart with spaces; the word 音频 needs none.
      const who = p.subject === 'template' ? `${str(p.label)} ` : '音频';
      return p.decodedPast
        ? `${who}超过了 ${seconds(num(p.maxSeconds))}（比文件标注的更长）；${limit}。`
        : `${who}长 ${seconds(num(p.seconds))}；${limit}。`;
    },
    'no-audio-stream': (p: RefusalParams) => (p.hasVideo ? `${str(p.label)} 没有可用作音频的声音。` : `${str(p.label)} 没有音频流。`),
    'unsupported-codec': (p: RefusalParams) =>
      p.kind === 'audio'
        ? `${str(p.label)} 使用了不支持的音频编码 ${str(p.codec)}。请发送 WAV、MP3、M4A/AAC、OGG/Opus 或 FLAC。`
        : `${str(p.label)} 使用了不支持的视频编码 ${str(p.codec)}。请发送 H.264、HEVC、VP8/VP9、AV1 或 MPEG-4 视频，或 JPG/PNG/WebP 图片。`,
    'empty-audio': (p: RefusalParams) => `${str(p.label)} 中没有可听到的声音${p.zeroLength ? '（长度为零）' : ''}。`,
    'no-video-stream': (p: RefusalParams) => `${str(p.label)} 没有视频流。`,
    'too-large-dimensions': (p: RefusalParams) => `${str(p.label)} 的尺寸是 ${num(p.width)}×${num(p.height)}，长边上限是 ${num(p.maxDimension)} 像素。`,
    'empty-video': (p: RefusalParams) => `${str(p.label)} 不含任何视频帧。`,
    'empty-file': (p: RefusalParams) => `${str(p.label)} 是空文件（0 字节）。`,
    unreadable: (p: RefusalParams) => `${str(p.label)} 不是我能读取的视频、图片或音频文件（可能已损坏、不完整或格式不受支持）。`,
    'no-frames': (p: RefusalParams) => `${str(p.label)} 中没有我能解码的视频帧（文件可能已损坏或不完整）。`,
    'no-face': (p: RefusalParams) => `在 ${str(p.label)} 中找不到人脸。请使用能清楚看到一张人脸的视频或照片。`,
    'box-outside-frame': (p: RefusalParams) =>
      `人脸框 ${num(p.y1)},${num(p.y2)},${num(p.x1)},${num(p.x2)}（Y1,Y2,X1,X2）超出了 ${str(p.label)} 的画面，其尺寸为 ${num(p.width)}×${num(p.height)} 像素。`,
    'no-templates': () => '请至少发送一个模板视频或照片来进行口型同步。',
    'too-many-clips': (p: RefusalParams) => `这里有 ${num(p.clips)} 个视频，一个批次最多 ${num(p.max)} 个。请分成几个较小的批次。`,
    'audio-too-long': (p: RefusalParams) => `音频长 ${seconds(num(p.seconds))}，上限是 ${seconds(num(p.maxSeconds))}。请剪短后重新发送。`,
    'queue-full': (p: RefusalParams) => {
      const pending = num(p.pending);
      const room = Math.max(0, num(p.max) - pending);
      const hint = room > 0 ? `现在还可以再添加 ${room} 个。` : '请等部分片段完成，或取消一个批次。';
      return `你已有 ${pending} 个片段在排队，这个批次又增加 ${num(p.adding)} 个；上限是 ${num(p.max)}。${hint}`;
    },
    busy: () => '服务器现在很忙（存储空间已满），请稍后再试。',
    'not-found': () => '找不到这个批次或片段，它可能早已结束。',
    'not-owner': () => '只有发起这个批次的人才能取消它。',
    'not-retryable': () => '只有失败的片段才能重新渲染，而且它的批次必须仍被保留。',
    'unreadable-audio': (p: RefusalParams) =>
      p.stage === 'duration' ? `无法确定 ${str(p.label)} 的时长。请发送 MP3、WAV、OGG 或 M4A 文件。` : `无法读取 ${str(p.label)}。请发送 MP3、WAV、OGG 或 M4A 文件（或带声音的视频）。`,
    internal: () => '渲染这个片段时我们这边出了问题，请稍后再试。',
    'input-missing': () => '这个片段的文件已不再保存，请重新发送。',
    'queue-unavailable': () => '渲染队列暂时不可用，请稍后再试。',
    lost: () => '渲染队列丢失了这个片段（处理途中发生了重启）。请重新发送。',
    timeout: () => '这个片段的渲染时间远超其长度所允许的范围，已被停止。请尝试更短的音频或模板。',
    cancelled: () => '已取消。',
    'upload-unfinished-limit': (p: RefusalParams) => `你有 ${num(p.max)} 个文件还没有上传完。请等它们传完，或先删除一些，再添加新的文件。`,
    'upload-budget': (p: RefusalParams) => `你的上传文件将占用 ${bytes(num(p.bytes))}，每人最多可保留 ${bytes(num(p.maxBytes))}。请先删除一些文件。`,
    'upload-not-found': () => '这个文件已经不在了。请重新添加。',
    'upload-check-failed': () => '由于我们这边的问题，无法检查这个文件。请稍后重新添加。',
    'upload-disk-full': () => '服务器的磁盘空间暂时不足，无法接收这个文件。请稍后再试。',
  },

  web: {
    lang: 'zh-CN',
    dateTime,
    title: '你的口型同步片段',
    audioLine: '音频：',
    audioFallback: '音频',
    counts(total: number, done: number, failed: number, cancelled: number, pending: number): string {
      const parts = [`共 ${total} 个片段`, `${done} 个已完成`];
      if (failed > 0) parts.push(`${failed} 个失败`);
      if (cancelled > 0) parts.push(`${cancelled} 个已取消`);
      if (pending > 0) parts.push(`${pending} 个仍在渲染`);
      return parts.join(' · ');
    },
    linksUntil: '这些链接的有效期至',
    downloadAll: '全部下载（ZIP）',
    someOfAll(done: number, total: number): string {
      return `${total} 个片段中的 ${done} 个`;
    },
    stillRendering: '部分片段仍在制作中。',
    reload: '刷新',
    reloadTail: '以查看最新进度。',
    clipFallbackLabel(index: number): string {
      return `片段 ${index + 1}`;
    },
    ready: '已完成',
    readyPreview: '已完成（预览引擎：尚未安装口型同步模型）',
    failed(message: string | null): string {
      return `失败：${message ?? '这个片段无法渲染。'}`;
    },
    cancelled: '已取消',
    renderingNoProgress: '正在渲染…',
    rendering(stage: string, percent: number): string {
      return `正在渲染：${stage}，${percent}%`;
    },
    stages: { probe: '检查文件', audio: '读取音频', render: '口型同步', finalize: '收尾' },
    waiting(position: number | null): string {
      return position ? `排队中（第 ${position} 位）` : '排队中';
    },
    download(label: string): string {
      return `下载 ${label}`;
    },
    fileSize(size: number): string {
      if (size < 1024 * 1024) return `${Math.max(1, Math.round(size / 1024))} KB`;
      return `${(size / (1024 * 1024)).toFixed(size < 10 * 1024 * 1024 ? 1 : 0)} MB`;
    },
    errors: {
      notFound: { title: '未找到', detail: '这里什么都没有。请检查是否复制了完整的链接。' },
      batchUnknown: '这个批次不存在或已不再保存。',
      forbidden: { title: '链接无效', detail: '这个链接不完整或已被修改。请按收到时的原样使用链接。' },
      expiredTitle: '链接已过期',
      expired(when: string): string {
        return `这个链接已于 ${when} 过期。下载链接只在有限时间内有效，旧片段会被删除。请向机器人重新获取这个批次，或重新渲染。`;
      },
      tooMany: { title: '请求过多', detail: '来自你的地址的下载过多。请等一分钟后再试。' },
      badRequest: { title: '请求有误', detail: '无法理解这个请求。' },
      internal: { title: '出了点问题', detail: '我们这边出了问题，请稍后再试。' },
      clipGone: { title: '片段已不再保存', detail: '这个片段已被删除以释放空间。请向机器人重新获取这个批次，或重新渲染。' },
      clipFailedTitle: '片段失败',
      clipFailedDetail: '这个片段无法渲染。',
      clipCancelled: { title: '片段已取消', detail: '这个片段在渲染之前已被取消。' },
      stillRendering: { title: '仍在渲染', detail: '这个片段尚未完成，请稍后再试。' },
      clipChanging: { title: '片段正在更新', detail: '这个片段正在重新存储，请稍后再试。' },
      nothingToZip: { title: '暂无可下载内容', detail: '这个批次还没有任何片段完成。请至少有一个完成后再试。' },
      storageDown: { title: '存储暂不可用', detail: '现在无法读取片段，请几分钟后再试。' },
    },
  },

  studio: {
    page: {
      title: '口型同步工作室',
      tagline: '把一段音频配到多个人脸视频或照片上。',
      signedInAs: '已通过 {platform} 登录：{user}',
      platforms: { telegram: 'Telegram', discord: 'Discord', cli: '命令行' },
      languageLabel: '语言',
      signOut: '退出登录',
      noScript: '工作室需要浏览器运行脚本。请为本页面启用脚本后刷新。',
      audioHeading: '音频',
      audioHint: '一个音频文件（MP3、WAV、M4A、OGG、FLAC），或一个要使用其声音的视频，最长 {duration}，最大 {size}。',
      audioPick: '选择音频文件',
      recentAudios: '最近用过的音频',
      templatesHeading: '模板',
      templatesHint: '人脸视频或照片（MP4、MOV、WebM、JPG、PNG）：每个批次最多 {count} 个，每个最长 {duration}，最大 {size}。',
      templatesPick: '选择视频或照片',
      dropHint: '或拖放到这里',
      startHeading: '开始',
      loopLabel: '模板比音频短时',
      loopModes: { pingpong: '正放后倒放，来回播放', loop: '从头重新播放', freeze: '停在最后一帧' },
      startButton: '开始渲染',
      queueHeading: '队列',
      queueEmpty: '目前没有正在渲染的内容。',
      historyHeading: '历史记录',
      historyEmpty: '还没有任何批次。',
      historyNav: '历史记录分页',
      newer: '较新',
      older: '较早',
      signedOutTitle: '尚未登录',
      signedOutText: '要打开工作室，请向机器人发送 {telegram}（Telegram）或 {discord}（Discord），或在服务器上运行 {cli}，然后打开收到的个人链接。',
    },
    client: {
      uploading: '正在上传… {percent}%',
      checking: '正在检查文件…',
      ready: '已就绪',
      uploadFailed: '上传失败：{reason}',
      uploadFailedRetry: '上传失败。请检查网络连接后重新添加文件。',
      remove: '移除',
      removeNamed: '移除 {name}',
      reuseNamed: '再次使用 {name}（{duration}）',
      noRecentAudios: '暂无：你用过的音频会列在这里。',
      picture: '照片',
      seconds: '{n} 秒',
      minutes: '{m} 分钟',
      minutesSeconds: '{m} 分 {s} 秒',
      kilobytes: '{n} KB',
      megabytes: '{n} MB',
      thumbAlt: '{name} 的第一帧',
      audioPlayer: '试听 {name}',
      videoPlayer: '播放 {name}',
      needAudio: '请先选择音频。',
      needTemplates: '请至少添加一个人脸视频或照片。',
      waitUploads: '请等待所有文件上传并检查完毕。',
      tooManyTemplates: '一个批次最多 {max} 个模板：请移除一些。',
      readyToStart: '已就绪的模板：{count} 个。点击“开始渲染”即可。',
      starting: '正在开始…',
      started: '已开始：可在下方队列中查看进度。',
      running: '渲染中',
      finished: '已结束',
      summaryDone: '{total} 个中 {done} 个已完成',
      summaryFailed: '{failed} 个失败',
      summaryCancelled: '{cancelled} 个已取消',
      downloadZip: '全部下载（ZIP）',
      download: '下载',
      downloadNamed: '下载 {name}',
      cancelBatch: '取消整个批次',
      cancelClip: '取消',
      retryClip: '重试',
      deleteBatch: '删除',
      confirmDelete: '永久删除',
      keepBatch: '保留',
      deleteQuestion: '删除这个批次及其所有片段？',
      deleted: '批次已删除。',
      log: '处理记录',
      logEmpty: '暂无记录。',
      pageOf: '第 {page} 页，共 {pages} 页',
      liveLost: '实时更新中断，正在重新连接…',
      networkError: '无法连接服务器。请检查网络后重试。',
      genericError: '出了点问题，请重试。',
      sessionEnded: '你的登录已失效。请向机器人获取新链接后重新登录。',
      dropActive: '松开即可添加文件',
    },
  },
  studioAuth: {
    signIn: {
      invalidTitle: '登录链接无效',
      invalidText: '这个登录链接不完整或已被修改。请按收到时的原样使用链接。',
      expiredTitle: '登录链接已失效',
      expiredText: '这个登录链接已过期或已被使用过：每个链接只能在有限时间内使用一次。',
      howTo: '获取新的个人链接：向 Telegram 机器人发送 {telegram}，在 Discord 上使用 {discord}，或在服务器上运行 {cli}。',
      continueTitle: '打开对口型工作室',
      continueText: '这是你的个人登录链接，只能使用一次：点击按钮登录。',
      continueButton: '登录工作室',
    },
    errors: {
      noSession: '你尚未登录，或登录已失效。请向机器人获取新链接后重新登录。',
      badCsrf: '为保护你的账户，这个请求已被拒绝。请刷新页面后重试。',
      notFound: '这个批次或片段不存在，或已不再保存。',
      badRequest: '无法理解这个请求。',
      tooMany: '请求过多。请等一分钟后再试。',
      tooManyStreams: '工作室在太多标签页中打开。请关闭一些后刷新。',
      uploadMissing: '其中一个文件已不存在。请重新添加。',
      uploadNotReady: '{name} 仍在上传或检查中。请等它准备好。',
      uploadRefused: '{name} 无法使用：{reason}',
      uploadWrongKind: '{name} 被添加到了错误的位置（音频或模板）。请在正确的位置重新添加。',
      internal: '我们这边出了问题，请稍后再试。',
    },
    status: {
      queued: '排队中',
      queuedAt: '排队中（第 {position} 位）',
      active: '正在渲染…',
      activeStage: '正在渲染：{stage}，{percent}%',
      done: '已完成',
      donePreview: '已完成（预览引擎：尚未安装口型同步模型）',
      failed: '失败：{reason}',
      cancelled: '已取消',
      etaLeft: '还需{eta}',
      startsIn: '{eta}后开始',
    },
    clipLabel: '片段 {number}',
    log: {
      queued: '{clip}：已加入队列',
      started: '{clip}：开始渲染',
      done: '{clip}：已完成',
      cached: '{clip}：已完成（之前渲染过相同的片段，直接复用）',
      failed: '{clip}：失败：{reason}',
      cancelled: '{clip}：已取消',
      retried: '{clip}：已重新加入队列',
    },
  },
};
