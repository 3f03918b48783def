/**
 * My shifts: upcoming and past bookings; cancel; check in and out by scanning the site's code; 换班.
 *
 * 换班: a booking I can no longer come to (booked, not checked in, not started) is offered to a fellow
 * volunteer by phone number or to anyone eligible (the action sheet), then shared into a chat with the
 * row's 分享给队友 button (the share card opens pages/swap). Until someone takes it I stay booked.
 * After the cancel cutoff the server refuses a cancellation (`cancel_cutoff_passed`); the page then
 * offers 换班 instead.
 */
const shiftService = require('../../services/shift');
const swapService = require('../../services/swap');
const checkin = require('../../controllers/checkin');
const { OFFER_CHOICES, normalizePhone, swapsByBooking, shareMessage, offerBooking } = require('../../controllers/swap');
const { preloadTemplates } = require('../../controllers/reminders');
const { presentBooking } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const { showError, showSuccess, confirm, withLoading, showText, actionSheet, SHEET_DATA } = require('../../utils/ui');
const display = require('../../utils/display');

const listMethods = pagedList({
  reloadOnShow: true,
  async fetch({ page, pageSize }) {
    const [body, mine] = await Promise.all([
      shiftService.listMyShifts({ when: this.data.when, page, pageSize }),
      this.data.when === 'upcoming' ? swapService.listMySwaps().catch(() => ({ items: [] })) : { items: [] },
    ]);
    this.mySwaps = (mine && mine.items) || [];
    return body;
  },
  present(raw) {
    const now = Date.now();
    const swaps = swapsByBooking({ items: this.mySwaps || [] });
    return raw.map((b) => {
      const item = presentBooking(b, now);
      item.swap = swaps[b.id] || null;
      // The same window as cancelling: booked, not checked in, not started (the server decides).
      item.canSwap = item.canCancel && !item.swap;
      return item;
    });
  },
});

Page(
  Object.assign({}, listMethods, actionSheet, {
    data: {
      when: 'upcoming',
      raw: [],
      items: [],
      page: 0,
      finished: false,
      loading: false,
      busy: false,
      error: '',
      sheet: SHEET_DATA,
      phoneOpen: false,
      phone: '',
      phoneError: '',
    },

    onLoad() {
      preloadTemplates();
    },

    onShow() {
      display.apply(this);
      listMethods.onShow.call(this);
    },

    onTabTap(e) {
      const when = e.currentTarget.dataset.when;
      if (when === this.data.when) return;
      this.setData({ when, raw: [], items: [] });
      this.reload();
    },

    async onCancel(e) {
      const { shift, id } = e.currentTarget.dataset;
      const ok = await confirm('确定取消这个班次的预约吗？');
      if (!ok) return;
      try {
        await withLoading('取消中', () => shiftService.cancelBooking(shift));
        showSuccess('已取消预约');
        await this.reload();
      } catch (err) {
        if (err && err.error === 'cancel_cutoff_passed') {
          const swap = await confirm('已过取消预约的截止时间。不能前来的话，可以发起换班，请队友或其他志愿者接班。', {
            title: '不能取消',
            confirmText: '发起换班',
          });
          if (swap) await this.startSwap(id);
          return;
        }
        showError(err);
      }
    },

    /** 换班 on a row: choose whom to offer it to. */
    onSwap(e) {
      return this.startSwap(e.currentTarget.dataset.id);
    },

    async startSwap(bookingId) {
      if (this.data.busy) return;
      const index = await this.chooseAction(OFFER_CHOICES, '找到人接班前，你仍需按时到岗');
      if (index === 0) {
        this.swapBookingId = bookingId;
        this.setData({ phoneOpen: true, phone: '', phoneError: '' });
      } else if (index === 1) {
        await this.offer(bookingId, null);
      }
    },

    onPhoneInput(e) {
      this.setData({ phone: e.detail.value, phoneError: '' });
    },

    onPhoneCancel() {
      this.setData({ phoneOpen: false });
    },

    async onPhoneConfirm() {
      const phone = normalizePhone(this.data.phone);
      if (!phone) {
        this.setData({ phoneError: '请填写队友的 11 位手机号' });
        return;
      }
      const ok = await this.offer(this.swapBookingId, phone, (message) => this.setData({ phoneError: message }));
      if (ok) this.setData({ phoneOpen: false });
    },

    /** POST the offer; `onRefused(message)`: show a refusal in the phone dialog instead of a toast. */
    async offer(bookingId, phone, onRefused) {
      if (this.data.busy) return false;
      this.setData({ busy: true });
      try {
        await offerBooking(bookingId, phone);
        showSuccess(phone ? '已发起换班，已通知队友' : '已发起换班');
        await this.reload();
        return true;
      } catch (err) {
        const fields = (err && err.errors) || {};
        if (onRefused && (fields.phone || (err && err.error === 'swap_person_not_found'))) {
          onRefused(fields.phone ? [].concat(fields.phone)[0] : err.message);
        } else {
          showError(err);
        }
        return false;
      } finally {
        this.setData({ busy: false });
      }
    },

    async onWithdrawSwap(e) {
      const ok = await confirm('撤回后你仍需按时到岗。确定撤回换班吗？', { confirmText: '撤回' });
      if (!ok) return;
      try {
        await withLoading('撤回中', () => swapService.withdrawSwap(e.currentTarget.dataset.id));
        showSuccess('已撤回换班');
        await this.reload();
      } catch (err) {
        showError(err);
      }
    },

    onOpenSwap(e) {
      wx.navigateTo({ url: `/pages/swap/index?id=${e.currentTarget.dataset.id}` });
    },

    /** 分享给队友 (a share button on a row): the card of that offer. */
    onShareAppMessage(res) {
      const id = res && res.target && res.target.dataset && res.target.dataset.swap;
      const swap = (this.mySwaps || []).find((s) => s.id === Number(id));
      if (swap) return shareMessage(swap);
      return { title: '我的值守', path: '/pages/shifts/index' };
    },

    /**
     * Scan the site's code, then open the check-in page with it: it checks this booking in or out
     * with everything the site and the post ask (the phone's location, today's health declaration)
     * and keeps an offline scan.
     */
    async onScan(e) {
      if (this.data.busy) return;
      const booking = this.data.raw.find((b) => b.id === e.currentTarget.dataset.id);
      if (!booking) return;
      const token = await checkin.scanToken();
      if (token === null) return; // cancelled
      const parsed = checkin.parseCheckinToken(token);
      const siteId = booking.shift && booking.shift.site && booking.shift.site.id;
      if (!parsed || parsed.kind !== 'site' || parsed.id !== siteId) {
        showText('请扫描本值守点的签到码');
        return;
      }
      wx.navigateTo({ url: `/pages/checkin/index?token=${encodeURIComponent(token)}` });
    },

    onBrowse() {
      wx.switchTab({ url: '/pages/shifts/index' });
    },
  }),
);
