/**
 * The attendance record page's logic (参加记录): what it shows of GET /me/attendance, and 下载证明: a
 * certificate of participation (参加活动证明, an A4 PDF the server draws) downloaded through the one HTTP
 * client (the token travels with it) and opened in WeChat's document viewer, whose menu lets the person
 * save, forward or print it. A refusal (not checked in, not enabled) is shown in Chinese.
 */
const attendanceService = require('../services/attendance');
const { showError, showText, withLoading } = require('../utils/ui');
const { chinaParts, formatRange, formatDateTime } = require('../utils/time');

/** This year in China time (the server's APP_TIMEZONE). */
function currentYear(nowMs = Date.now()) {
  return chinaParts(nowMs).year;
}

/** What the page shows of GET /me/attendance: the year tabs (this year always) and the items. */
function presentAttendance(body, nowMs = Date.now()) {
  const b = body || {};
  const years = Array.from(new Set([currentYear(nowMs), b.year].concat(b.years || [])))
    .filter((y) => Number.isInteger(y))
    .sort((x, y) => y - x);
  const items = (b.items || []).map((item) => ({
    id: item.registration_id,
    activityId: item.activity_id,
    title: item.title || '',
    timeText: formatRange(item.starts_at, item.ends_at),
    place: [(item.community && item.community.name) || '', item.venue || ''].filter(Boolean).join(' '),
    checkedInText: item.checked_in_at ? formatDateTime(item.checked_in_at) : '',
    certificate: Boolean(item.certificate_available),
  }));
  return { year: b.year, years, total: b.total || items.length, items };
}

function openPdf(filePath) {
  return new Promise((resolve) => {
    wx.openDocument({
      filePath,
      fileType: 'pdf',
      showMenu: true,
      success: () => resolve(true),
      fail: () => resolve(false),
    });
  });
}

/**
 * Download a PDF (`download()` resolves its temp path) and open it in WeChat's document viewer;
 * resolves true when the viewer opened. A refusal is shown in Chinese.
 */
async function openDownloadedPdf(download) {
  let filePath;
  try {
    filePath = await withLoading('正在生成证明', download);
  } catch (err) {
    showError(err);
    return false;
  }
  const opened = await openPdf(filePath);
  if (!opened) showText('无法打开证明文件，请稍后重试');
  return opened;
}

/** Download and open the certificate of a registration; resolves true when the viewer opened. */
function openCertificate(registrationId) {
  return openDownloadedPdf(() => attendanceService.downloadCertificate(registrationId));
}

module.exports = { openCertificate, openDownloadedPdf, presentAttendance, currentYear };
