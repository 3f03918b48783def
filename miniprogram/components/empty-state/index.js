/**
 * The text shown for an empty list or a failed load (TDesign t-empty with an icon), with an optional retry
 * button (emits `retry`). `icon` defaults to an information sign, or an error sign when `retry` is shown.
 */
Component({
  options: { addGlobalClass: true, multipleSlots: true },
  properties: {
    text: { type: String, value: '暂无内容' },
    retry: { type: Boolean, value: false },
    icon: { type: String, value: '' },
  },
  data: { iconName: 'info-circle' },
  observers: {
    'icon, retry'(icon, retry) {
      this.setData({ iconName: icon || (retry ? 'error-circle' : 'info-circle') });
    },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry');
    },
  },
});
