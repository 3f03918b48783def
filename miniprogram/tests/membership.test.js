/**
 * Community membership: reading a join code, the join page opened by scanning it, the profile's
 * status (待确认 / 已确认), and the organizer's pending list with confirm and reject.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const HAIZHU = { id: 1, code: 'haizhu', name: '海珠社区' };
const me = (community) => ({
  id: 7,
  nickname: '小王',
  real_name: '王小明',
  phone_masked: '138****5678',
  community,
  roles: ['resident'],
  is_party_member: false,
  volunteer_minutes: 0,
  organizer_communities: [],
});

let ids;
beforeAll(() => {
  installWx();
  ids = {
    join: loadPage('pages/community-join/index'),
    profile: loadPage('pages/profile/index'),
    checkin: loadPage('pages/checkin/index'),
    members: loadPage('packageOrganizer/pages/members/index'),
  };
});

describe('membership controller', () => {
  const membership = () => require('../controllers/membership');

  test.each([
    ['c12.4k9x.AbCdEfGhIjKl', { communityId: 12, token: 'c12.4k9x.AbCdEfGhIjKl' }],
    [' c3.1.A_b- ', { communityId: 3, token: 'c3.1.A_b-' }],
    ['a3.4k9x.AbCdEfGhIjKl', null],
    ['s3.4k9x.AbCdEfGhIjKl', null],
    ['c3', null],
    ['', null],
    [null, null],
  ])('parseJoinToken(%p)', (token, expected) => {
    expect(membership().parseJoinToken(token)).toEqual(expected);
  });

  test('the profile tells claimed from confirmed, and how to confirm', () => {
    const { membershipView } = membership();
    expect(membershipView(me(null))).toEqual({ statusText: '', confirmed: false, hint: '' });
    const claimed = membershipView(me(Object.assign({ status: 'claimed' }, HAIZHU)));
    expect(claimed.statusText).toBe('待确认');
    expect(claimed.hint).toContain('扫描“居民确认码”');
    expect(membershipView(me(Object.assign({ status: 'confirmed' }, HAIZHU)))).toEqual({
      statusText: '已确认',
      confirmed: true,
      hint: '',
    });
  });

  test('a member shows the real name, the masked phone and the claim time', () => {
    const shown = membership().presentMember({
      id: 9,
      nickname: '阿梅',
      real_name: '李梅',
      phone_masked: '138****0001',
      status: 'claimed',
      claimed_at: '2025-03-01T09:30:00+08:00',
      confirmed_at: null,
    });
    expect(shown).toMatchObject({ id: 9, name: '李梅', nickname: '阿梅', phone: '138****0001', statusText: '待确认' });
    expect(shown.claimedText).toContain('09:30');
    expect(membership().presentMember({ id: 4, status: 'claimed' }).name).toBe('用户4');
  });
});

describe('join page', () => {
  test('opened from a scanned join code: joins with the scene and shows the community', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'POST /me/community/join': { statusCode: 200, data: me(Object.assign({ status: 'confirmed' }, HAIZHU)) },
      }),
    );
    const page = mount(ids.join);
    page.instance.onLoad({ scene: encodeURIComponent('c1.4k9x.AbCdEfGhIjKl') });
    await settle();
    expect(wx.requests.find((r) => r.path === '/me/community/join').data).toEqual({ token: 'c1.4k9x.AbCdEfGhIjKl' });
    expect(page.dom.innerHTML).toContain('已确认为海珠社区居民');
    expect(wx.store.auth_user.community.status).toBe('confirmed');
  });

  test('an expired code shows the Chinese refusal', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'join_code_invalid', message: 'x' } }));
    const page = mount(ids.join);
    page.instance.onLoad({ scene: 'c1.4k9x.AbCdEfGhIjKl' });
    await settle();
    expect(page.dom.innerHTML).toContain('居民确认码无效或已过期');
  });

  test('an activity code is not a join code, and nothing is sent', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = mount(ids.join);
    page.instance.onLoad({ scene: 'a3.4k9x.AbCdEfGhIjKl' });
    await settle();
    expect(page.dom.innerHTML).toContain('无法识别的居民确认码');
    expect(wx.requests).toHaveLength(0);
  });

  test('a join code scanned on the check-in page goes to the join page', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.redirectTo = jest.fn();
    const page = mount(ids.checkin);
    page.instance.onLoad({ scene: 'c1.4k9x.AbCdEfGhIjKl' });
    await settle();
    expect(wx.redirectTo).toHaveBeenCalledWith({
      url: `/pages/community-join/index?token=${encodeURIComponent('c1.4k9x.AbCdEfGhIjKl')}`,
    });
  });
});

describe('profile page', () => {
  test.each([
    ['claimed', '待确认', true],
    ['confirmed', '已确认', false],
  ])('a %s community shows %s', async (status, text, offersScan) => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [HAIZHU] } },
        'GET /me': { statusCode: 200, data: me(Object.assign({ status }, HAIZHU)) },
      }),
    );
    const page = mount(ids.profile);
    page.instance.onLoad();
    await settle();
    expect(page.dom.innerHTML).toContain(text);
    expect(page.dom.innerHTML.includes('扫码确认')).toBe(offersScan);
  });
});

describe('members page (organizer)', () => {
  const member = (id, status) => ({
    id,
    nickname: null,
    real_name: `居民${id}`,
    phone_masked: '138****0001',
    status,
    claimed_at: '2025-03-01T09:30:00+08:00',
    confirmed_at: null,
  });

  test('lists the pending claims and confirms one', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    let pending = [member(8, 'claimed'), member(9, 'claimed')];
    wx.setHandler((req) => {
      if (req.method === 'GET' && req.path === '/communities/1/members') {
        return { statusCode: 200, data: { items: pending, total: pending.length, page: 1, page_size: 20 } };
      }
      if (req.method === 'POST' && req.path === '/communities/1/members/8/confirm') {
        pending = pending.filter((m) => m.id !== 8);
        return { statusCode: 200, data: member(8, 'confirmed') };
      }
      return { statusCode: 404, data: { error: 'not_found' } };
    });
    const page = mount(ids.members);
    page.instance.onLoad({ communityId: '1' });
    await settle();
    const list = wx.requests.find((r) => r.path === '/communities/1/members');
    expect(list.query).toMatchObject({ status: 'claimed', page: '1' });
    expect(page.dom.innerHTML).toContain('居民8');
    expect(page.dom.innerHTML).toContain('138****0001');
    page.querySelector('.member__actions .btn-primary').dispatchEvent('tap');
    await waitFor(() => !page.dom.innerHTML.includes('居民8'));
    await settle();
    expect(wx.requests.some((r) => r.method === 'POST' && r.path === '/communities/1/members/8/confirm')).toBe(true);
    expect(page.dom.innerHTML).not.toContain('居民8');
    expect(page.dom.innerHTML).toContain('居民9');
  });

  test('rejecting asks first, then rejects', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.showModal = jest.fn((options) => options.success({ confirm: true, cancel: false }));
    wx.setHandler((req) => {
      if (req.method === 'GET') {
        return { statusCode: 200, data: { items: [member(8, 'claimed')], total: 1, page: 1, page_size: 20 } };
      }
      return { statusCode: 200, data: Object.assign(member(8, null), { status: null }) };
    });
    const page = mount(ids.members);
    page.instance.onLoad({ communityId: '1' });
    await settle();
    await page.instance.onReject({ currentTarget: { dataset: { id: 8, name: '居民8' } } });
    await settle();
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '驳回申请' }));
    expect(wx.requests.some((r) => r.method === 'POST' && r.path === '/communities/1/members/8/reject')).toBe(true);
  });

  test('the confirmed tab and the join code', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.navigateTo = jest.fn();
    wx.setHandler(() => ({ statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 20 } }));
    const page = mount(ids.members);
    page.instance.onLoad({ communityId: '1' });
    await settle();
    expect(page.dom.innerHTML).toContain('没有待确认的居民');
    page.instance.onTabTap({ currentTarget: { dataset: { status: 'confirmed' } } });
    await settle();
    expect(wx.requests[wx.requests.length - 1].query).toMatchObject({ status: 'confirmed' });
    page.instance.onJoinCode();
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/packageOrganizer/pages/checkin-code/index?communityId=1' });
  });
});
