/** Custom components rendered with miniprogram-simulate (official wcc compiler). */
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.join(__dirname, '..');
// One rootPath for every load: wcc then compiles the project's WXML once (several roots clobber each other).
// Each load in its own module registry: simulate runs a component's JS with require(), and jest would
// otherwise hand back the cached module without calling Component() again for a nested use.
function load(name) {
  let id;
  jest.isolateModules(() => {
    id = simulate.load(path.join(ROOT, `components/${name}/index`), { rootPath: ROOT });
  });
  return id;
}

function mount(id, props) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

let ids;
beforeAll(() => {
  ids = {
    statusTag: load('status-tag'),
    placesBar: load('places-bar'),
    activityCard: load('activity-card'),
    emptyState: load('empty-state'),
  };
});

describe('status-tag', () => {
  test.each([
    ['registration', 'waitlisted', '候补中', 'warning'],
    ['registration', 'confirmed', '已报名', 'success'],
    ['activity', 'cancelled', '已取消', 'danger'],
    ['booking', 'no_show', '缺勤', 'danger'],
  ])('%s %s → %s', async (kind, value, label, tone) => {
    const comp = mount(ids.statusTag, { kind, value });
    await simulate.sleep(0);
    const tag = comp.querySelector('.status-tag');
    expect(tag.dom.textContent).toBe(label);
    expect(tag.dom.className).toContain(`status-tag--${tone}`);
  });

  test('follows property changes', async () => {
    const comp = mount(ids.statusTag, { kind: 'registration', value: 'waitlisted' });
    comp.setData({ value: 'confirmed' });
    await simulate.sleep(0);
    expect(comp.querySelector('.status-tag').dom.textContent).toBe('已报名');
  });

  test('renders nothing without a value', async () => {
    const comp = mount(ids.statusTag, { kind: 'registration', value: '' });
    await simulate.sleep(0);
    expect(comp.querySelector('.status-tag')).toBeUndefined();
  });
});

describe('places-bar', () => {
  test('shows taken, capacity and free places', async () => {
    const comp = mount(ids.placesBar, { taken: 8, capacity: 20 });
    await simulate.sleep(0);
    expect(comp.querySelector('.places-bar__text').dom.textContent).toBe('已报 8/20，剩余 12');
    expect(comp.querySelector('.places-bar__fill').dom.getAttribute('style')).toContain('width: 40%');
  });

  test('full, with the waitlist', async () => {
    const comp = mount(ids.placesBar, { taken: 20, capacity: 20, waitlist: 3 });
    await simulate.sleep(0);
    const text = comp.querySelector('.places-bar__text');
    expect(text.dom.textContent).toBe('已满 · 3 人候补');
    expect(text.dom.className).toContain('places-bar__text--full');
  });

  test('updates when places change', async () => {
    const comp = mount(ids.placesBar, { taken: 1, capacity: 2 });
    comp.setData({ taken: 2 });
    await simulate.sleep(0);
    expect(comp.querySelector('.places-bar__text').dom.textContent).toBe('已满');
  });
});

describe('activity-card', () => {
  const activity = {
    id: 3,
    title: '妇儿活动·亲子手工',
    category: 'women_children',
    community: { id: 1, name: '海珠社区' },
    venue: '二楼活动室',
    starts_at: '2025-03-01T09:00:00+08:00',
    ends_at: '2025-03-01T11:00:00+08:00',
    capacity: 10,
    confirmed_count: 10,
    waitlist_count: 2,
    status: 'published',
    my_registration: { id: 5, status: 'waitlisted', waitlist_position: 2 },
  };

  test('renders the activity with its places and my status', async () => {
    const comp = mount(ids.activityCard, { activity });
    await simulate.sleep(0);
    const html = comp.dom.innerHTML;
    expect(comp.querySelector('.activity-card__title').dom.textContent).toBe('妇儿活动·亲子手工');
    expect(comp.querySelector('.activity-card__category').dom.textContent).toBe('妇儿活动');
    expect(html).toContain('时间：03月01日 周六 09:00-11:00');
    expect(html).toContain('地点：海珠社区 二楼活动室');
    expect(html).toContain('已满 · 2 人候补');
    expect(html).toContain('候补中');
  });

  test('emits select with the id on tap', async () => {
    const comp = mount(ids.activityCard, { activity });
    await simulate.sleep(0);
    const onSelect = jest.fn();
    comp.addEventListener('select', (e) => onSelect(e.detail));
    comp.querySelector('.activity-card').dispatchEvent('tap');
    await simulate.sleep(0);
    expect(onSelect).toHaveBeenCalledWith({ id: 3 });
  });
});

describe('empty-state', () => {
  test('shows the text and emits retry', async () => {
    const comp = mount(ids.emptyState, { text: '网络连接失败，请检查网络后重试', retry: true });
    await simulate.sleep(0);
    expect(comp.querySelector('.empty-state__text').dom.textContent).toBe('网络连接失败，请检查网络后重试');
    const onRetry = jest.fn();
    comp.addEventListener('retry', onRetry);
    comp.querySelector('.empty-state__retry').dispatchEvent('tap');
    await simulate.sleep(0);
    expect(onRetry).toHaveBeenCalled();
  });
});
