/**
 * The privacy popup: shown when WeChat needs the user's agreement to the privacy guide before a
 * privacy interface runs (see ./privacy.js). Agreeing goes through WeChat's own
 * `open-type="agreePrivacyAuthorization"` button; the guide opens with `wx.openPrivacyContract`.
 * Events: `agree`, `disagree`.
 */
const privacy = require('./privacy');

const DEFAULT_CONTRACT_NAME = '《用户隐私保护指引》';

Component({
  data: {
    show: false,
    contractName: DEFAULT_CONTRACT_NAME,
  },

  lifetimes: {
    attached() {
      this.unsubscribe = privacy.subscribe({
        open: () => this.open(),
        close: () => this.setData({ show: false }),
      });
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe();
    },
  },

  methods: {
    open() {
      if (this.data.show) return;
      this.setData({ show: true });
      privacy.reportExposure();
      privacy.needsAuthorization().then((res) => {
        if (res.privacyContractName) this.setData({ contractName: res.privacyContractName });
      });
    },

    onOpenContract() {
      privacy.openContract();
    },

    onAgree() {
      privacy.agree(privacy.AGREE_BUTTON_ID);
      this.triggerEvent('agree');
    },

    onDisagree() {
      privacy.disagree();
      this.triggerEvent('disagree');
    },
  },
});
