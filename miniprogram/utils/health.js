/** The same-day health declaration (健康申报): its questions and the answers the API takes. */

// `yes` is the first choice shown; `well` is the answer fit for duty.
const QUESTIONS = [
  { key: 'temperature_normal', text: '今天体温是否正常？', yes: '正常', no: '不正常', well: true },
  { key: 'has_symptoms', text: '是否有发热、咳嗽等症状？', yes: '有', no: '没有', well: false },
  { key: 'is_risk_person', text: '是否为风险人员（如密切接触者）？', yes: '是', no: '不是', well: false },
];

/** `{answers, complete, well}` from the choices made so far (`{key: true|false}`). */
function answersOf(picked) {
  const p = picked || {};
  const complete = QUESTIONS.every((q) => typeof p[q.key] === 'boolean');
  const answers = {};
  QUESTIONS.forEach((q) => {
    if (typeof p[q.key] === 'boolean') answers[q.key] = p[q.key];
  });
  const well = complete && QUESTIONS.every((q) => p[q.key] === q.well);
  return { answers, complete, well };
}

/** What a post asks, in plain words: "需资格：…", "需当日健康申报". */
function requirementText(post) {
  const p = post || {};
  const parts = [];
  if (p.required_qualification && p.required_qualification.name) parts.push(`需资格：${p.required_qualification.name}`);
  if (p.health_declaration === 'booking') parts.push('需当日健康申报（预约时）');
  if (p.health_declaration === 'checkin') parts.push('需当日健康申报（签到时）');
  return parts.join('；');
}

const UNWELL_TEXT = '您今天身体不适或属于风险人员，请先好好休息，暂不能参加该岗位；身体恢复后欢迎再来。';

/** Why the form's answers (`answersOf`) cannot go with a booking or check-in, or '' when they can. */
function answersProblem(health) {
  const h = health || {};
  if (!h.complete) return '请先回答全部健康申报问题';
  if (!h.well) return UNWELL_TEXT;
  return '';
}

module.exports = { QUESTIONS, answersOf, answersProblem, requirementText, UNWELL_TEXT };
