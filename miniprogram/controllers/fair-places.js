/**
 * Fair places (issue 17): the activity's questions answered at sign-up, the countdown of an offered place,
 * what a lottery's result means for the caller, and the public draw record (GET /activities/{id}/draw).
 * Pure functions: the pages call them, jest tests them. The server checks everything again; these checks
 * only spare the resident a round trip and say what is wrong next to the field.
 */
const { formatDateTime, parseIso } = require('../utils/time');
const { statusInfo } = require('../constants/status');

const TEXT_MAX = 100; // QuestionSchema: a `text` answer is up to 100 characters

const pad = (n) => String(n).padStart(2, '0');

/** The activity's questions as the sign-up sheet shows them: `{id, kind, label, required, options, hint}`. */
function presentQuestions(questions) {
  return (questions || [])
    .filter((q) => q && q.id && q.label)
    .map((q) => {
      let hint = '';
      const hasMin = typeof q.min === 'number';
      const hasMax = typeof q.max === 'number';
      if (q.kind === 'number' && hasMin && hasMax) hint = `填写 ${q.min} 至 ${q.max} 之间的整数`;
      else if (q.kind === 'number' && hasMin) hint = `填写不小于 ${q.min} 的整数`;
      else if (q.kind === 'number' && hasMax) hint = `填写不大于 ${q.max} 的整数`;
      else if (q.kind === 'number') hint = '填写整数';
      return {
        id: q.id,
        kind: q.kind === 'choice' || q.kind === 'number' ? q.kind : 'text',
        label: q.label,
        required: !!q.required,
        options: (q.options || []).map(String),
        min: hasMin ? q.min : null,
        max: hasMax ? q.max : null,
        // The phone's digit keyboard has no minus sign: a question that allows negatives gets the full one.
        numericKeyboard: q.kind === 'number' && hasMin && q.min >= 0,
        hint,
      };
    });
}

/**
 * Check the answers (`{question id: typed value}`) against the questions, as the server does.
 * Resolves `{answers, errors}`: `answers` is the request body's (numbers as integers, blanks left out),
 * `errors` maps a question id to a Chinese message and is empty when all is well.
 */
function validateAnswers(questions, raw) {
  const answers = {};
  const errors = {};
  const given = raw || {};
  presentQuestions(questions).forEach((q) => {
    const value = given[q.id];
    const text = value === undefined || value === null ? '' : String(value).trim();
    if (!text) {
      if (q.required) errors[q.id] = q.kind === 'choice' ? `请选择${q.label}` : `请填写${q.label}`;
      return;
    }
    if (q.kind === 'choice') {
      if (q.options.indexOf(text) < 0) errors[q.id] = '请从选项中选择';
      else answers[q.id] = text;
      return;
    }
    if (q.kind === 'number') {
      if (!/^-?\d+$/.test(text)) {
        errors[q.id] = '请填写整数';
        return;
      }
      const n = Number(text);
      if ((q.min !== null && n < q.min) || (q.max !== null && n > q.max)) {
        errors[q.id] = q.hint.replace('填写', '请填写');
        return;
      }
      answers[q.id] = n;
      return;
    }
    if (text.length > TEXT_MAX) errors[q.id] = `不能超过 ${TEXT_MAX} 字`;
    else answers[q.id] = text;
  });
  return { answers, errors };
}

/**
 * The per-question messages of a refused sign-up, `{}` if none. The server names each field by its
 * dotted path (422 `errors: {'answers.q1': ['请填写…']}`); a nested `{answers: {q1: [...]}}` is read too.
 * An answer error not tied to one question (`errors.answers: ['…']`) lands on `_form`.
 */
function answerErrorsFromServer(err) {
  const fields = (err && err.errors) || {};
  const out = {};
  const put = (id, value) => {
    const msg = [].concat(value)[0];
    if (msg) out[id] = typeof msg === 'string' ? msg : '填写有误';
  };
  Object.keys(fields).forEach((key) => {
    if (key.indexOf('answers.') === 0) put(key.slice('answers.'.length), fields[key]);
  });
  const raw = fields.answers;
  if (!raw) return out;
  if (Array.isArray(raw) || typeof raw === 'string') {
    out._form = [].concat(raw)[0];
    return out;
  }
  Object.keys(raw).forEach((id) => put(id, raw[id]));
  return out;
}

/**
 * The countdown of an offered place: `{expired, seconds, text}`, text like `2小时05分30秒` (`05分30秒` under
 * an hour). Expired (or no deadline) when the deadline has passed on the phone's clock.
 */
function offerCountdown(expiresIso, nowMs = Date.now()) {
  const deadline = parseIso(expiresIso);
  if (Number.isNaN(deadline)) return { expired: true, seconds: 0, text: '' };
  const seconds = Math.max(0, Math.floor((deadline - nowMs) / 1000));
  if (seconds <= 0) return { expired: true, seconds: 0, text: '' };
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  let text;
  if (d) text = `${d}天${h}小时${pad(m)}分`;
  else if (h) text = `${h}小时${pad(m)}分${pad(s)}秒`;
  else text = `${pad(m)}分${pad(s)}秒`;
  return { expired: false, seconds, text };
}

/**
 * What the caller's registration on a lottery says about the draw, or '' before it / when not a lottery:
 * 中签, 未中签·候补第N位, 未中签.
 */
function lotteryResultText(activity) {
  const a = activity || {};
  const mine = a.my_registration;
  if (a.signup_mode !== 'lottery' || !a.drawn_at || !mine || mine.draw_rank === null || mine.draw_rank === undefined) {
    return '';
  }
  if (mine.status === 'confirmed' || mine.status === 'offered') return '中签';
  if (mine.status === 'waitlisted') return `未中签·候补第${mine.waitlist_position || '-'}位`;
  if (mine.status === 'not_drawn') return '未中签';
  return '';
}

const CJK = /[\u4e00-\u9fff]/;

/**
 * The method as residents read it: the server describes it in English and Chinese; the page shows the
 * lines with Chinese (all of it when none has). The whole text stays in GET /activities/{id}/draw.
 */
function methodText(method) {
  const text = String(method || '');
  const chinese = text.split(/\n+/).filter((line) => CJK.test(line));
  return chinese.length ? chinese.join('\n') : text;
}

const DRAW_STATES = { open: '报名中（尚未封存）', sealed: '已封存，等待开奖', drawn: '已开奖' };

// Results shown at first; the rest behind 显示更多 (a draw may have thousands of entries).
const DRAW_PAGE = 100;

/**
 * The draw page's view of GET /activities/{id}/draw: `{stateText, drawAtText, ..., rows, mine, total}`;
 * `limit` results at most in `rows` (the caller's own is always summarised in `mine`).
 */
function presentDraw(draw, { limit = DRAW_PAGE } = {}) {
  const d = draw || {};
  const results = d.results || [];
  const myEntry = d.my_entry === undefined ? null : d.my_entry;
  const toRow = (r) => {
    const info = statusInfo('draw', r.outcome);
    return {
      rank: r.rank,
      entry: r.entry,
      places: r.places,
      outcome: r.outcome,
      outcomeText: info.label,
      tone: info.tone,
      mine: myEntry !== null && r.entry === myEntry,
    };
  };
  const own = myEntry !== null ? results.find((r) => r.entry === myEntry) : null;
  const entries = d.entries || null;
  return {
    state: d.state || 'open',
    stateText: DRAW_STATES[d.state] || DRAW_STATES.open,
    drawAtText: d.draw_at ? formatDateTime(d.draw_at) : '',
    sealedAtText: d.sealed_at ? formatDateTime(d.sealed_at) : '',
    drawnAtText: d.drawn_at ? formatDateTime(d.drawn_at) : '',
    commitment: d.commitment || '',
    salt: d.salt || '',
    seed: d.seed || '',
    method: d.method || '',
    methodText: methodText(d.method),
    entryCount: entries ? entries.length : null,
    placesEntered: entries ? entries.reduce((n, e) => n + (Number(e.places) || 0), 0) : null,
    total: results.length,
    rows: results.slice(0, limit).map(toRow),
    more: results.length > limit,
    myEntry,
    mine: own ? toRow(own) : null,
  };
}

module.exports = {
  TEXT_MAX,
  DRAW_PAGE,
  presentQuestions,
  validateAnswers,
  answerErrorsFromServer,
  offerCountdown,
  lotteryResultText,
  methodText,
  presentDraw,
};
