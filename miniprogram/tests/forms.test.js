/** Form state → API payloads, with per-field Chinese errors. */
const forms = require('../controllers/forms');

describe('activity form', () => {
  const filled = () =>
    Object.assign(forms.emptyActivityForm(2), {
      title: ' 党课：学习二十大 ',
      startDate: '2025-03-02',
      startTime: '09:00',
      endDate: '2025-03-02',
      endTime: '11:00',
      capacity: '40',
    });

  test('builds the POST /activities body', () => {
    const { payload, errors } = forms.buildActivityPayload(filled());
    expect(errors).toEqual({});
    expect(payload).toEqual({
      title: '党课：学习二十大',
      description: '',
      category: 'party_lesson',
      community_id: 2,
      venue: '',
      starts_at: '2025-03-02T09:00:00+08:00',
      ends_at: '2025-03-02T11:00:00+08:00',
      signup_opens_at: null,
      signup_closes_at: null,
      capacity: 40,
      waitlist_enabled: true,
      audience: 'all',
      cancel_cutoff_minutes: 60,
    });
  });

  test('an update leaves community_id out', () => {
    expect(forms.buildActivityPayload(filled(), { forUpdate: true }).payload).not.toHaveProperty('community_id');
  });

  test('reports field errors', () => {
    const form = Object.assign(filled(), { title: '', endTime: '08:00', capacity: '0', cancelCutoffMinutes: '-5' });
    const { errors } = forms.buildActivityPayload(form);
    expect(errors).toEqual({
      title: '请填写活动名称',
      ends_at: '结束时间须晚于开始时间',
      capacity: '名额须为正整数',
      cancel_cutoff_minutes: '请填写不小于 0 的整数',
    });
  });

  test('sign-up window checks', () => {
    const form = Object.assign(filled(), { closesDate: '2025-03-03', closesTime: '00:00' });
    expect(forms.buildActivityPayload(form).errors.signup_closes_at).toBe('报名截止不能晚于活动开始');
  });

  test('round-trips an activity for editing', () => {
    const { payload } = forms.buildActivityPayload(filled());
    const form = forms.activityToForm(Object.assign({ community: { id: 2 } }, payload));
    expect(forms.buildActivityPayload(form).payload).toEqual(payload);
  });
});

describe('batch shift form', () => {
  test('builds the POST /shifts/batch body', () => {
    const form = Object.assign(forms.emptyBatchForm(), { siteId: 4, dates: ['2025-03-03', '2025-03-02'] });
    const { payload, errors } = forms.buildBatchPayload(form);
    expect(errors).toEqual({});
    expect(payload).toEqual({
      site_id: 4,
      dates: ['2025-03-02', '2025-03-03'],
      slots: [{ start: '08:00', end: '12:00' }],
      posts: [
        { name: '登记', capacity: 2 },
        { name: '维持秩序', capacity: 2 },
      ],
      party_members_only: false,
    });
  });

  test('reports field errors', () => {
    const form = Object.assign(forms.emptyBatchForm(), {
      slots: [forms.slotRow('12:00', '08:00')],
      posts: [forms.postRow('登记', '2'), forms.postRow('登记', '1')],
    });
    expect(forms.buildBatchPayload(form).errors).toEqual({
      site_id: '请选择值守点位',
      dates: '请至少选择一天',
      slots: '每个时段的结束时间须晚于开始时间',
      posts: '岗位名称不能重复',
    });
  });
});

test('profile changes: blank nickname left out, blank real name cleared', () => {
  expect(forms.profileChanges({ nickname: ' ', realName: ' ', communityId: 3 })).toEqual({
    community_id: 3,
    real_name: null,
  });
  expect(forms.profileChanges({ nickname: '小王', realName: '王五', communityId: null })).toEqual({
    community_id: null,
    nickname: '小王',
    real_name: '王五',
  });
});
