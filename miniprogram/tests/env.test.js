/** The API base URL is chosen by the mini-program version (envVersion). */
const { installWx } = require('./helpers/wx');

beforeEach(() => jest.resetModules());

test.each([
  ['develop', 'http://127.0.0.1:5000/api/v1'],
  ['trial', 'https://trial.example.invalid/api/v1'],
  ['release', 'https://api.example.invalid/api/v1'],
])('%s → %s', async (envVersion, base) => {
  const wx = installWx({ envVersion });
  const { getBaseUrl, getEnvVersion } = require('../config/env');
  expect(getEnvVersion()).toBe(envVersion);
  expect(getBaseUrl()).toBe(base);
  await require('../api/request').request('/health');
  expect(wx.request.mock.calls[0][0].url).toBe(`${base}/health`);
});

test('release when the version cannot be read', () => {
  const wx = installWx();
  wx.getAccountInfoSync.mockImplementation(() => {
    throw new Error('not supported');
  });
  const { getBaseUrl } = require('../config/env');
  expect(getBaseUrl()).toBe('https://api.example.invalid/api/v1');
});

test('release for an unknown version', () => {
  const wx = installWx();
  wx.getAccountInfoSync.mockReturnValue({ miniProgram: { envVersion: 'gray' } });
  expect(require('../config/env').getBaseUrl()).toBe('https://api.example.invalid/api/v1');
});

test('trial and release are HTTPS placeholders, develop is the local scripts/run server', () => {
  const { BASE_URLS } = require('../config/env');
  expect(BASE_URLS.develop).toBe('http://127.0.0.1:5000/api/v1');
  expect(BASE_URLS.trial).toMatch(/^https:\/\/.+\.invalid\/api\/v1$/);
  expect(BASE_URLS.release).toMatch(/^https:\/\/.+\.invalid\/api\/v1$/);
});
