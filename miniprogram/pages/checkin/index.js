/**
 * Check-in page, opened by scanning an organizer's mini-program code (`scene` = the token) or from
 * an in-app scan (`token`). Activity tokens check in at once; site tokens list today's bookings at
 * that site, each with its check-in or check-out button.
 *
 * Without a network (a checkpoint in an underground car park) the scan is kept on the phone with its
 * time (controllers/offline-checkins) and shown as 待上传; it is uploaded when the network returns,
 * when the app is shown, or with 立即上传. Today's bookings then come from the copy kept in storage.
 *
 * On site (docs/api.md, "On-site check-in"): at a site with a point, 签到 and 签退 first read the
 * phone's location (GCJ-02, high accuracy) and send it; the server checks it is within the site's
 * radius. A refusal about the location (too far: how far and the radius; permission denied: how to turn
 * it on, with 去设置; a vague fix: go outdoors) stays on the page above the bookings. Offline, a scan is
 * kept with the location of that moment, or without one when the phone has no fix (accepted unlocated).
 */
const activityService = require('../../services/activity');
const checkin = require('../../controllers/checkin');
const offline = require('../../controllers/offline-checkins');
const location = require('../../controllers/location');
const queue = require('../../utils/offline-queue');
const { parseJoinToken } = require('../../controllers/membership');
const { presentBooking } = require('../../utils/present');
const { formatDateTime } = require('../../utils/time');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, showText, withLoading } = require('../../utils/ui');
const display = require('../../utils/display');
const qualificationService = require('../../services/qualification');
const { answersProblem } = require('../../utils/health');

const ACTION_TEXT = { check_in: '签到', check_out: '签退', scan: '签到或签退' };

/** A kept scan as the page lists it. */
function presentEntry(entry) {
  const statusText = { pending: '待上传', failed: '上传失败', uploaded: '已补传' }[entry.status] || '';
  return {
    key: entry.key,
    title: entry.label || '签到',
    actionText: ACTION_TEXT[entry.action] || '签到',
    timeText: formatDateTime(entry.recorded_at),
    status: entry.status,
    statusText,
    reason: entry.reason || '',
  };
}

/** What a booking at a site with a point asks of the volunteer: to be near it, with the location on. */
function locationHint(booking) {
  if (!checkin.needsLocation(booking)) return '';
  const radius = booking.shift.site.checkin_radius_m;
  return radius ? `签到、签退需在值守点 ${radius} 米范围内，将获取您的位置` : '签到、签退时将获取您的位置';
}

/** Bookings with the kept scans laid over them: a kept check-in shows as checked in (待上传). */
function withKeptScans(raw) {
  return raw.map((b) => {
    const keptIn = queue.find('shift', b.id, 'check_in');
    const keptOut = queue.find('shift', b.id, 'check_out');
    const pendingIn = keptIn && keptIn.status === 'pending';
    const pendingOut = keptOut && keptOut.status === 'pending';
    if (!pendingIn && !pendingOut) return { booking: b, pendingText: '' };
    const booking = Object.assign({}, b, {
      checked_in_at: b.checked_in_at || (pendingIn ? keptIn.recorded_at : null),
      checked_out_at: b.checked_out_at || (pendingOut ? keptOut.recorded_at : null),
    });
    return { booking, pendingText: pendingOut ? '签退已保存，待上传' : '签到已保存，待上传' };
  });
}

Page({
  data: {
    fontRoot: display.fontRoot(),
    token: '',
    kind: '',
    status: 'idle', // idle | working | done | failed | bookings | queued
    message: '',
    activityTitle: '',
    activityId: null,
    bookings: [],
    rawBookings: [],
    busy: false,
    offline: false, // the bookings shown are the copy kept on the phone
    queuedKey: '', // the kept scan this page made (status 'queued')
    pending: [],
    uploadedItems: [],
    uploading: false,
    // Today's health declaration: made and fit (a post may ask for it at check-in), and the form's answers.
    declaredToday: false,
    health: { answers: {}, complete: false, well: false },
    // A refusal about where the phone is, kept on screen: {text, denied (offer 去设置)} or null.
    locationProblem: null,
  },

  onLoad(query) {
    display.apply(this);
    this.stopWatching = offline.onChange(() => this.onQueueChanged());
    this.refreshQueue();
    return this.start(checkin.tokenFromQuery(query));
  },

  onShow() {
    display.apply(this);
    this.refreshQueue();
  },

  onUnload() {
    if (this.stopWatching) this.stopWatching();
  },

  start(token) {
    const parsed = checkin.parseCheckinToken(token);
    if (!parsed && parseJoinToken(token)) {
      // A community's join code scanned here: it belongs to the join page.
      wx.redirectTo({ url: `/pages/community-join/index?token=${encodeURIComponent(token)}` });
      return Promise.resolve();
    }
    if (!parsed) {
      this.setData({ status: token ? 'failed' : 'idle', message: token ? '无法识别的签到码，请重新扫码' : '' });
      return Promise.resolve();
    }
    this.setData({ token: parsed.token, kind: parsed.kind, offline: false, queuedKey: '' });
    return parsed.kind === 'activity' ? this.checkInActivity(parsed) : this.loadBookings(parsed);
  },

  async checkInActivity(parsed) {
    this.setData({ status: 'working', activityId: parsed.id, message: '正在签到…' });
    activityService
      .getActivity(parsed.id)
      .then((a) => this.setData({ activityTitle: a.title }))
      .catch(() => null);
    try {
      await checkin.checkInToActivity(parsed);
      this.setData({ status: 'done', message: '签到成功' });
    } catch (err) {
      if (offline.isOfflineError(err)) {
        this.keepScan({
          kind: 'activity',
          id: parsed.id,
          action: 'check_in',
          label: this.data.activityTitle || '活动签到',
        });
        return;
      }
      this.setData({ status: 'failed', message: errorText(err) });
    }
  },

  /** Keep a scan made without a network and say so plainly. */
  keepScan(fields) {
    const entry = offline.keep(Object.assign({ token: this.data.token }, fields));
    this.setData({
      status: 'queued',
      queuedKey: entry.key,
      message: `${entry.action === 'scan' ? '扫码记录' : ACTION_TEXT[entry.action] || '签到'}已保存在手机上，待上传`,
    });
    this.refreshQueue();
    return entry;
  },

  async loadBookings(parsed) {
    this.setData({ status: 'working', message: '正在查找您今天在此的值守…' });
    let raw;
    try {
      raw = await checkin.todaysBookingsAtSite(parsed.id);
    } catch (err) {
      if (!offline.isOfflineError(err)) {
        this.setData({ status: 'failed', message: errorText(err) });
        return;
      }
      raw = checkin.cachedBookingsAtSite(parsed.id);
      if (!raw || !raw.length) {
        // No copy of today's bookings here: keep the scan itself (with where the phone is, if it
        // knows); the upload finds the booking.
        const here = await location.locateQuietly();
        this.keepScan({ kind: 'site', id: parsed.id, action: 'scan', label: '值守点', location: here });
        return;
      }
      this.setData({ offline: true });
    }
    this.showBookings(raw);
  },

  showBookings(raw) {
    const shown = withKeptScans(raw);
    this.setData({
      status: raw.length ? 'bookings' : 'failed',
      message: raw.length ? '' : '您今天在此值守点没有预约的班次',
      rawBookings: shown.map((s) => s.booking),
      bookings: this.withDeclaration(
        shown.map((s) =>
          Object.assign(presentBooking(s.booking), {
            pendingText: s.pendingText,
            locationHint: locationHint(s.booking),
          }),
        ),
      ),
    });
    if (!this.data.offline && this.data.bookings.some((b) => b.declareAtCheckin && b.action === 'check_in')) {
      return this.loadDeclaration();
    }
  },

  /** Each booking says whether its check-in shows the health form first (asked, and none fit today). */
  withDeclaration(bookings) {
    return bookings.map((b) =>
      Object.assign({}, b, {
        needsDeclaration: b.declareAtCheckin && b.action === 'check_in' && !this.data.declaredToday,
      }),
    );
  },

  async loadDeclaration() {
    try {
      const body = await qualificationService.getTodaysDeclaration();
      const declaration = body && body.declaration;
      this.setData({ declaredToday: !!(declaration && declaration.well) });
      this.setData({ bookings: this.withDeclaration(this.data.bookings) });
    } catch (err) {
      // Unknown: the form stays; the check-in sends the answers.
    }
  },

  onHealthChange(e) {
    this.setData({ health: e.detail });
  },

  /**
   * Where the phone is, for a booking at a site with a point; null where none is needed, or offline
   * without a fix (the scan is then kept unlocated). Rejects with a LocationError to show.
   */
  async positionFor(booking) {
    if (!checkin.needsLocation(booking)) return null;
    try {
      return await withLoading('正在定位', () => location.locate());
    } catch (err) {
      if (this.data.offline && err.kind !== 'denied') return null;
      throw err;
    }
  },

  async onBookingAction(e) {
    if (this.data.busy) return;
    const booking = this.data.rawBookings.find((b) => b.id === e.currentTarget.dataset.id);
    if (!booking) return;
    const action = presentBooking(booking).action;
    const checkingOut = action === 'check_out';
    const shown = presentBooking(booking);
    const listed = this.data.bookings.find((b) => b.id === booking.id);
    let declaration;
    if (listed && listed.needsDeclaration) {
      const problem = answersProblem(this.data.health);
      if (problem) {
        showText(problem); // unwell: told kindly here, nothing is sent
        return;
      }
      declaration = this.data.health.answers;
    }
    this.setData({ busy: true, locationProblem: null });
    let here = null;
    try {
      here = await this.positionFor(booking);
      await withLoading(checkingOut ? '签退中' : '签到中', () =>
        checkin.checkInOrOut(booking, this.data.token, here, declaration),
      );
      if (declaration) this.setData({ declaredToday: true });
      showSuccess(checkingOut ? '签退成功' : '签到成功');
      await this.loadBookings(checkin.parseCheckinToken(this.data.token));
    } catch (err) {
      if (location.isLocationError(err)) {
        this.setData({ locationProblem: { text: err.message, denied: err.kind === 'denied' } });
      } else if (checkin.isLocationRefusal(err)) {
        this.setData({ locationProblem: { text: errorText(err), denied: false } });
      } else if (offline.isOfflineError(err)) {
        const label = [shown.siteName, shown.postName].filter(Boolean).join(' · ');
        offline.keep({
          kind: 'shift',
          id: booking.id,
          action,
          token: this.data.token,
          label,
          location: here,
          healthDeclaration: declaration || null,
        });
        showText(checkingOut ? '签退已保存，待上传' : '签到已保存，待上传');
        this.setData({ offline: true });
        this.showBookings(this.data.rawBookings);
        this.refreshQueue();
      } else {
        showError(err);
      }
    } finally {
      this.setData({ busy: false });
    }
  },

  /** The kept scans and the last ones uploaded, as the page lists them. */
  refreshQueue() {
    this.setData({
      pending: queue.list().map(presentEntry),
      uploadedItems: queue.uploaded().slice(0, 3).map(presentEntry),
    });
  },

  /** After a flush by anyone: the list, and this page's own kept scan once it is uploaded or refused. */
  onQueueChanged() {
    this.refreshQueue();
    const key = this.data.queuedKey;
    if (this.data.status !== 'queued' || !key) return;
    const kept = queue.list().find((entry) => entry.key === key);
    if (!kept) this.setData({ status: 'done', message: '已补传，签到成功', queuedKey: '' });
    else if (kept.status === 'failed') this.setData({ status: 'failed', message: kept.reason, queuedKey: '' });
  },

  async onUploadNow() {
    if (this.data.uploading) return;
    this.setData({ uploading: true });
    try {
      const result = await offline.flush();
      if (result.uploaded.length && !result.remaining) showSuccess('已补传');
      else if (result.remaining) {
        showText('仍无网络，已保存在手机上，稍后自动上传');
      }
      if (result.uploaded.length && this.data.kind === 'site' && this.data.status === 'bookings') {
        await this.loadBookings(checkin.parseCheckinToken(this.data.token));
      }
    } catch (err) {
      showError(err);
    } finally {
      this.refreshQueue();
      this.setData({ uploading: false });
    }
  },

  /** 去设置: WeChat's settings page, to allow the location again; then the page asks anew on the next tap. */
  async onOpenSettings() {
    const allowed = await location.openSettings();
    if (allowed) this.setData({ locationProblem: null });
  },

  onDismiss(e) {
    queue.remove(e.currentTarget.dataset.key);
    this.refreshQueue();
  },

  async onScan() {
    const token = await checkin.scanToken();
    if (token !== null) this.start(token); // null: cancelled
  },

  onOpenActivity() {
    wx.redirectTo({ url: `/pages/activity-detail/index?id=${this.data.activityId}` });
  },

  onHome() {
    wx.switchTab({ url: '/pages/activities/index' });
  },
});
