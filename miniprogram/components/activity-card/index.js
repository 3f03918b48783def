/**
 * An activity in a list: title, category, 抽签 / 需审核 when not first come, time, place and places left.
 * Emits `select` with `{id}`.
 */
const { presentActivity } = require('../../utils/present');

Component({
  options: { addGlobalClass: true },
  properties: {
    activity: { type: Object, value: null },
  },
  data: { view: null },
  observers: {
    activity(activity) {
      this.setData({ view: activity ? presentActivity(activity) : null });
    },
  },
  methods: {
    onTap() {
      if (this.data.view) this.triggerEvent('select', { id: this.data.view.id });
    },
  },
});
