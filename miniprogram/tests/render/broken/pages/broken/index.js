/** A deliberately broken page: the render test must catch what it shows. */
Page({
  data: { label: '', status: '' },
  onLoad() {
    const activity = {};
    this.setData({ label: `${activity.free} 个名额`, status: 'Loading' });
  },
});
