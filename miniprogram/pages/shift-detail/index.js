/**
 * One shift (`?id=`), opened from a card of the 志愿值守 list: the site with its map and 导航到这里
 * (wx.openLocation, GCJ-02) when it has a point, how near a check-in must be, the notes, and the posts
 * with their places, booked and cancelled as on the list. Scanning the site's code to check in stays on
 * the check-in page (扫码签到).
 */
const shiftService = require('../../services/shift');
const { bookShiftPost } = require('../../controllers/signup');
const { preloadTemplates } = require('../../controllers/reminders');
const checkin = require('../../controllers/checkin');
const { openSiteLocation } = require('../../controllers/location');
const { presentShift } = require('../../utils/present');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, showText, confirm, withLoading } = require('../../utils/ui');
const display = require('../../utils/display');
const { answersProblem } = require('../../utils/health');

/** The map's marker at the site: WeChat's default pin, with the site's name always shown above it. */
function markersOf(shift) {
  if (!shift.hasPoint) return [];
  return [
    {
      id: 1,
      latitude: shift.latitude,
      longitude: shift.longitude,
      width: 30,
      height: 40,
      callout: { content: shift.siteName, display: 'ALWAYS', padding: 8, borderRadius: 6, fontSize: 14 },
    },
  ];
}

Page({
  data: {
    fontRoot: display.fontRoot(),
    id: null,
    shift: null,
    raw: null,
    markers: [],
    loading: true,
    busy: false,
    error: '',
    // A post asking for today's health declaration at booking: its answers, sent with the booking.
    asksDeclaration: false,
    health: { answers: {}, complete: false, well: false },
  },

  onLoad(query) {
    display.apply(this);
    this.setData({ id: Number(query && query.id) || null });
    preloadTemplates();
    return this.load();
  },

  onShow() {
    display.apply(this);
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    if (!this.data.id) {
      this.setData({ loading: false, error: '没有找到这个值守班次' });
      return;
    }
    this.setData({ loading: true, error: '' });
    try {
      const raw = await shiftService.getShift(this.data.id);
      const shift = presentShift(raw);
      // The form only where a post asking for it can be booked now.
      const asksDeclaration =
        !shift.myBookingId && !shift.started && shift.posts.some((p) => p.declareAtBooking && !p.full);
      this.setData({ raw, shift, markers: markersOf(shift), asksDeclaration });
      if (shift.siteName) wx.setNavigationBarTitle({ title: shift.siteName });
    } catch (err) {
      this.setData({ error: errorText(err) });
    } finally {
      this.setData({ loading: false });
    }
  },

  /** 导航到这里: WeChat's own map of the site, from which the phone's map apps route there. */
  async onNavigate() {
    const opened = await openSiteLocation((this.data.raw && this.data.raw.site) || {});
    if (!opened) showText('无法打开地图，请按地址前往');
  },

  onHealthChange(e) {
    this.setData({ health: e.detail });
  },

  /** 预约: a post asking for today's declaration sends the form's answers (unwell: told here, nothing sent). */
  onBook(e) {
    if (this.data.busy) return;
    const { post } = e.currentTarget.dataset;
    const asked = this.data.shift.posts.find((p) => p.id === post);
    let declaration;
    if (asked && asked.declareAtBooking) {
      const problem = answersProblem(this.data.health);
      if (problem) {
        showText(problem);
        return;
      }
      declaration = this.data.health.answers;
    }
    this.setData({ busy: true });
    return bookShiftPost(this.data.id, post, declaration)
      .then((outcome) => {
        showSuccess(outcome.message);
        return this.load();
      })
      .catch(showError)
      .then(() => this.setData({ busy: false }));
  },

  async onCancelBooking() {
    if (this.data.busy) return;
    const ok = await confirm('确定取消这个班次的预约吗？');
    if (!ok) return;
    this.setData({ busy: true });
    try {
      await withLoading('取消中', () => shiftService.cancelBooking(this.data.id));
      showSuccess('已取消预约');
      await this.load();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ busy: false });
    }
  },

  onScan() {
    return checkin.scanAndOpenCheckin(showText);
  },
});
