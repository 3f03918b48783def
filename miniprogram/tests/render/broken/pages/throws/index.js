/** A page whose onLoad throws: the render test must report it. */
Page({
  data: {},
  onLoad() {
    const activity = null;
    this.setData({ title: activity.title });
  },
});
