/** Create shifts in a batch: one site, several dates × time slots, each shift with its posts (POST /shifts/batch). */
const shiftService = require('../../../services/shift');
const siteService = require('../../../services/site');
const { SHIFT_POST_PRESETS, siteKindLabel } = require('../../../constants/status');
const { emptyBatchForm, slotRow, postRow, buildBatchPayload } = require('../../../controllers/forms');
const { todayString, nextDays } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, showSuccess, withLoading } = require('../../../utils/ui');

const DAYS_AHEAD = 14;

Page({
  data: {
    communityId: null,
    sites: [],
    siteIndex: -1,
    days: [],
    selected: {},
    form: emptyBatchForm(),
    presets: SHIFT_POST_PRESETS,
    errors: {},
    count: 0,
    saving: false,
    error: '',
  },

  onLoad(query) {
    this.setData({ communityId: Number(query.communityId) || null, days: nextDays(todayString(), DAYS_AHEAD) });
    this.loadSites();
  },

  async loadSites() {
    try {
      const body = await siteService.listSites({ community_id: this.data.communityId });
      const sites = ((body && body.items) || []).map((s) =>
        Object.assign({}, s, { label: `${s.name}（${siteKindLabel(s.kind)}）` }),
      );
      this.setData({ sites, error: sites.length ? '' : '本社区还没有值守点位' });
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
  },

  updateCount() {
    this.setData({ count: this.data.form.dates.length * this.data.form.slots.length });
  },

  onSiteChange(e) {
    const index = Number(e.detail.value);
    this.setData({ siteIndex: index, 'form.siteId': this.data.sites[index].id });
  },

  onDayTap(e) {
    const date = e.currentTarget.dataset.date;
    const selected = Object.assign({}, this.data.selected, { [date]: !this.data.selected[date] });
    const dates = Object.keys(selected)
      .filter((d) => selected[d])
      .sort();
    this.setData({ selected, 'form.dates': dates });
    this.updateCount();
  },

  onSlotTime(e) {
    const { index, field } = e.currentTarget.dataset;
    this.setData({ [`form.slots[${index}].${field}`]: e.detail.value });
  },

  onAddSlot() {
    this.setData({ 'form.slots': this.data.form.slots.concat([slotRow('14:00', '18:00')]) });
    this.updateCount();
  },

  onRemoveSlot(e) {
    const slots = this.data.form.slots.filter((_, i) => i !== Number(e.currentTarget.dataset.index));
    this.setData({ 'form.slots': slots });
    this.updateCount();
  },

  onPostInput(e) {
    const { index, field } = e.currentTarget.dataset;
    this.setData({ [`form.posts[${index}].${field}`]: e.detail.value });
  },

  onAddPost(e) {
    const name = e.currentTarget.dataset.name || '';
    this.setData({ 'form.posts': this.data.form.posts.concat([postRow(name, '2')]) });
  },

  onRemovePost(e) {
    const posts = this.data.form.posts.filter((_, i) => i !== Number(e.currentTarget.dataset.index));
    this.setData({ 'form.posts': posts });
  },

  onPartyOnly(e) {
    this.setData({ 'form.partyMembersOnly': !!e.detail.value });
  },

  async onSubmit() {
    if (this.data.saving) return;
    const { payload, errors } = buildBatchPayload(this.data.form);
    this.setData({ errors });
    const first = Object.keys(errors)[0];
    if (first) {
      wx.showToast({ title: errors[first], icon: 'none' });
      return;
    }
    this.setData({ saving: true });
    try {
      const body = await withLoading('创建中', () => shiftService.createShiftsBatch(payload));
      showSuccess(`已创建 ${((body && body.items) || []).length} 个班次`);
      this.setData({ selected: {}, 'form.dates': [], count: 0 });
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ saving: false });
    }
  },
});
