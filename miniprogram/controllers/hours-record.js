/**
 * 我的时长 as a record (志愿服务记录): what the page shows of each checked-out shift in GET /me/hours
 * (its figure and 待确认 / 已确认 / 已更正, and the latest query 申诉 with its answer), asking a query
 * (a short text in WeChat's own dialog), and the proof of service (志愿服务证明, an A4 PDF the server
 * draws) for a period, downloaded and opened as the activity certificate is.
 */
const hoursService = require('../services/hours');
const { openDownloadedPdf } = require('./attendance-record');
const { showError, showSuccess, showText, withLoading } = require('../utils/ui');
const { formatRange, formatMinutes, todayString } = require('../utils/time');

const STATUS_TEXT = { pending: '待确认', confirmed: '已确认', corrected: '已更正' };
const QUERY_MAX = 200;

/** One shift's line on the page. */
function presentRecord(item) {
  const i = item || {};
  const query = i.query || null;
  return {
    bookingId: i.booking_id,
    title: [i.site || '', i.post || ''].filter(Boolean).join(' · '),
    timeText: formatRange(i.starts_at, i.ends_at),
    minutesText: formatMinutes(i.minutes),
    status: i.status || 'pending',
    statusText: STATUS_TEXT[i.status] || '待确认',
    provisional: i.status === 'pending',
    queryText: query ? query.text : '',
    queryOpen: Boolean(query && query.status === 'open'),
    answerText: query && query.status === 'answered' ? query.answer || '' : '',
    canQuery: !(query && query.status === 'open'),
  };
}

/** The records of GET /me/hours, and the pending total's text ('' when none). */
function presentRecords(body) {
  const b = body || {};
  const pending = Math.max(0, Math.floor(Number(b.pending_minutes) || 0));
  return {
    records: (b.items || []).map(presentRecord),
    pendingText: pending ? formatMinutes(pending) : '',
  };
}

/** The default period of a proof: 1 January of this year (China time) to today. */
function defaultPeriod(nowMs = Date.now()) {
  const today = todayString(nowMs);
  return { from: `${today.slice(0, 4)}-01-01`, to: today };
}

/** wx.showModal with a text field; resolves the text, or null when dismissed. */
function promptText(title, placeholderText) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      editable: true,
      placeholderText,
      success: (res) => resolve(res.confirm ? (res.content || '').trim() : null),
      fail: () => resolve(null),
    });
  });
}

/** Ask a query about one shift's figure; resolves true when it was sent. */
async function askQuery(bookingId) {
  const text = await promptText('对时长有疑问', '请写明问题，如：签退漏扫，实际18点离开');
  if (text === null) return false;
  if (!text) {
    showText('请填写申诉内容');
    return false;
  }
  if (text.length > QUERY_MAX) {
    showText(`申诉内容最多 ${QUERY_MAX} 字`);
    return false;
  }
  try {
    await withLoading('提交中', () => hoursService.queryHours(bookingId, text));
  } catch (err) {
    showError(err);
    return false;
  }
  showSuccess('已提交，组织者答复后可在此查看');
  return true;
}

/** Download and open the proof of service for a period; resolves true when the viewer opened. */
function openProof(from, to) {
  return openDownloadedPdf(() => hoursService.downloadProof(from, to));
}

module.exports = { presentRecord, presentRecords, defaultPeriod, askQuery, openProof, STATUS_TEXT };
