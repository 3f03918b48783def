/** The text shown for an empty list or a failed load, with an optional retry button (emits `retry`). */
Component({
  options: { addGlobalClass: true },
  properties: {
    text: { type: String, value: '暂无内容' },
    retry: { type: Boolean, value: false },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry');
    },
  },
});
