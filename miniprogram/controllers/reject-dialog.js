/**
 * The 不通过 dialog of an organizer's page (a sign-up on the roster, a swap claim on the duty roster):
 * a reason of 1 to 200 characters typed in a dialog, read by `reader` (居民, 志愿者), then
 * `send(id, reason)`. A server error on `reason` stays in the dialog; any other closes it and is shown.
 *
 * Returns the page methods onRejectInput, onRejectCancel and onRejectConfirm. The page opens the dialog
 * itself (setting `this.rejectId` and the data `rejectOpen`, `rejectReason`, `rejectError`) and has
 * `load()`, called after a rejection, and after a refusal when `reloadAfter(err)` says so.
 */
const { showError, showSuccess, withLoading } = require('../utils/ui');

const MAX_REASON = 200;

function rejectDialog({ reader, send, reloadAfter = () => true }) {
  return {
    onRejectInput(e) {
      this.setData({ rejectReason: e.detail.value, rejectError: '' });
    },

    onRejectCancel() {
      this.setData({ rejectOpen: false });
    },

    async onRejectConfirm() {
      const reason = (this.data.rejectReason || '').trim();
      if (!reason) {
        this.setData({ rejectError: `请填写不通过的原因，${reader}会看到它` });
        return;
      }
      if (reason.length > MAX_REASON) {
        this.setData({ rejectError: `原因不能超过 ${MAX_REASON} 字` });
        return;
      }
      if (this.data.busy) return;
      this.setData({ busy: true });
      let reload = true;
      try {
        await withLoading('处理中', () => send(this.rejectId, reason, this));
        this.setData({ rejectOpen: false, rejectReason: '' });
        showSuccess('已设为不通过');
      } catch (err) {
        const fields = (err && err.errors) || {};
        if (fields.reason) {
          this.setData({ rejectError: [].concat(fields.reason)[0] });
          reload = false;
        } else {
          this.setData({ rejectOpen: false });
          showError(err);
          reload = reloadAfter(err);
        }
      } finally {
        this.setData({ busy: false });
      }
      if (reload) await this.load();
    },
  };
}

module.exports = { rejectDialog };
