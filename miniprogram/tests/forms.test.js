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
      certificate_enabled: false,
      audience: 'all',
      cancel_cutoff_minutes: 60,
      claim_hours: 0,
      signup_mode: 'first_come',
      draw_at: null,
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
