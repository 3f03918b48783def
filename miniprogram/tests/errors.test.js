/** Every error id of the contract has clear Chinese text; unknown ids fall back sensibly. */
const { ERROR_MESSAGES, messageFor, SESSION_ERROR_IDS } = require('../constants/errors');

// The `error` ids named in the first version of the contract (docs/api.md lists every id).
const FIRST_VERSION_IDS = [
  'wechat_code_invalid',
  'wechat_unavailable',
  'capacity_below_confirmed',
  'not_eligible',
  'signup_not_open',
  'signup_closed',
  'capacity_full',
  'activity_not_open',
  'cancel_cutoff_passed',
  'checkin_token_invalid',
  'role_full',
  'shift_overlap',
  'shift_started',
  'already_booked',
  'daily_limit_exceeded',
];

// The ids the server settled on beyond the first version.
const SERVER_IDS = [
  'not_authenticated',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'malformed_body',
  'validation_failed',
  'forbidden',
  'not_found',
  'user_not_found',
  'community_not_found',
  'registration_not_found',
  'method_not_allowed',
  'rate_limited',
  'wechat_rate_limited',
  'phone_code_invalid',
  'wechat_login_blocked',
  'console_login_not_found',
  'console_login_decided',
];

const CHINESE = /[\u4e00-\u9fff]/;

test.each(FIRST_VERSION_IDS.concat(SERVER_IDS))('%s has a Chinese message', (id) => {
  expect(ERROR_MESSAGES[id]).toMatch(CHINESE);
  expect(messageFor(id, 409, 'server text')).toBe(ERROR_MESSAGES[id]);
});

test('client-side ids have Chinese messages too', () => {
  ['network_error', 'network_timeout', 'wechat_login_failed'].forEach((id) =>
    expect(ERROR_MESSAGES[id]).toMatch(CHINESE),
  );
});

test('the session ids are the four 401 ids', () => {
  expect(SESSION_ERROR_IDS.sort()).toEqual(['not_authenticated', 'token_expired', 'token_invalid', 'token_revoked']);
});

describe('fallbacks for unknown ids', () => {
  test('the server message comes first', () => {
    expect(messageFor('some_new_id', 409, '新的提示')).toBe('新的提示');
  });

  test.each([
    [400, '请求有误，请稍后重试'],
    [403, '没有权限进行此操作'],
    [404, '内容不存在或已删除'],
    [409, '当前状态不允许此操作'],
    [429, '操作太频繁，请稍后再试'],
    [500, '服务暂时不可用，请稍后再试'],
    [504, '服务暂时不可用，请稍后再试'],
    [418, '操作失败，请稍后重试'],
  ])('then a text by status (%i)', (status, text) => {
    expect(messageFor('some_new_id', status, '')).toBe(text);
    expect(messageFor(undefined, status, undefined)).toBe(text);
  });

  test('inherited object keys are not ids', () => {
    expect(messageFor('toString', 409, '')).toBe('当前状态不允许此操作');
  });
});

test('errorText shows an ApiError message and hides anything else', () => {
  const { ApiError, errorText, isApiError } = require('../api/api-error');
  const err = new ApiError({ kind: 'http', statusCode: 409, error: 'role_full', message: '该岗位已约满' });
  expect(isApiError(err)).toBe(true);
  expect(errorText(err)).toBe('该岗位已约满');
  expect(errorText(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe('操作失败，请稍后重试');
  expect(errorText(undefined)).toBe('操作失败，请稍后重试');
});
