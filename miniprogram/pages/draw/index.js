/**
 * 抽签公示: a lottery's public record (GET /activities/{id}/draw) so that anyone can check the draw — the
 * commitment shown since publication, the salt and seed fixed when sign-up closed, the method, and the drawn
 * order (entry numbers only, no names) with the caller's own entry highlighted.
 */
const activityService = require('../../services/activity');
const { presentDraw, DRAW_PAGE } = require('../../controllers/fair-places');
const { withLoadState } = require('../../utils/load-state');
const display = require('../../utils/display');

Page({
  data: { id: null, title: '', draw: null, limit: DRAW_PAGE, loading: true, error: '' },

  onLoad(query) {
    display.apply(this);
    this.setData({ id: Number(query.id) });
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
      const [raw, activity] = await Promise.all([
        activityService.getDraw(this.data.id),
        // The title only; the draw is shown without it.
        activityService.getActivity(this.data.id).catch(() => null),
      ]);
      this.raw = raw;
      this.setData({ title: (activity && activity.title) || '', draw: presentDraw(raw, { limit: this.data.limit }) });
    });
  },

  /** 显示更多: the next page of the drawn order. */
  onMore() {
    const limit = this.data.limit + DRAW_PAGE;
    this.setData({ limit, draw: presentDraw(this.raw, { limit }) });
  },
});
