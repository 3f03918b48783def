/** A deliberately broken page: the render test must catch what it shows. */
Page({
  data: { label: '', status: '', hint: '' },
  onLoad() {
    const activity = {};
    // An undefined field in a string, English left in, and mustaches in text the page builds itself.
    this.setData({ label: `${activity.free} 个名额`, status: 'Loading', hint: '已报名 {{count}} 人' });
  },
});
