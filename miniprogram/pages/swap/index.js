/**
 * 换班 (a swap offer), opened from a shared card, a `shift_swap` message or the shift list: the shift,
 * the post and who offers it, and 接班 when the server says the caller may take it (`claim_problem`
 * null). A claim within SWAP_APPROVAL_HOURS waits for the organizer; the page says so before the tap.
 * The giver sees their own offer here too, with 撤回换班 and the share button.
 */
const swapService = require('../../services/swap');
const { presentSwap, shareMessage, claimOffer } = require('../../controllers/swap');
const { preloadTemplates } = require('../../controllers/reminders');
const { withLoadState } = require('../../utils/load-state');
const { showError, showSuccess, showText, confirm, withLoading } = require('../../utils/ui');
const display = require('../../utils/display');
const { answersProblem } = require('../../utils/health');

Page({
  data: {
    id: null,
    swap: null,
    raw: null,
    loading: true,
    busy: false,
    error: '',
    // The health form's answers, for a post asking for today's declaration at booking.
    health: { answers: {}, complete: false, well: false },
  },

  onLoad(query) {
    display.apply(this);
    preloadTemplates();
    this.setData({ id: Number(query.id) || null });
    this.load();
  },

  onShow() {
    display.apply(this);
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return withLoadState(this, async () => {
      const raw = await swapService.getSwap(this.data.id);
      this.setData({ raw, swap: presentSwap(raw) });
    });
  },

  onHealthChange(e) {
    this.setData({ health: e.detail });
  },

  /**
   * 接班: the subscribe dialog opens synchronously from the tap, then the claim (with today's health
   * answers where the post asks for them at booking; unwell is told kindly here, nothing is sent).
   */
  onClaim() {
    if (this.data.busy || !this.data.swap) return;
    let declaration;
    if (this.data.swap.declareAtClaim) {
      const problem = answersProblem(this.data.health);
      if (problem) {
        showText(problem);
        return;
      }
      declaration = this.data.health.answers;
    }
    this.setData({ busy: true });
    return claimOffer(this.data.id, declaration)
      .then(({ swap, message }) => {
        this.setData({ raw: swap, swap: presentSwap(swap) });
        showSuccess(message);
      })
      .catch((err) => {
        showError(err);
        return this.load();
      })
      .then(() => this.setData({ busy: false }));
  },

  async onWithdraw() {
    const swap = this.data.swap;
    if (!swap || this.data.busy) return;
    const ok = await confirm('撤回后你仍需按时到岗。确定撤回换班吗？', { confirmText: '撤回' });
    if (!ok) return;
    this.setData({ busy: true });
    try {
      await withLoading('撤回中', () => swapService.withdrawSwap(swap.bookingId));
      showSuccess('已撤回换班');
      await this.load();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ busy: false });
    }
  },

  onMyShifts() {
    wx.redirectTo({ url: '/pages/my-shifts/index' });
  },

  /** The share card: the offer, opening this page. */
  onShareAppMessage() {
    return shareMessage(this.data.raw || { id: this.data.id });
  },
});
