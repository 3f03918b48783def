/**
 * What a user must never read on a page: raw template syntax, JavaScript's empty values, or English.
 * `problems(text)` lists them (empty when the text is fine).
 */

/**
 * English words a Chinese user may see, each justified. Anything else in Latin letters fails.
 * Kept short on purpose: a new word needs a reason here.
 */
const ALLOWED_WORDS = new Set([
  'km', // distances
  'XLSX', // the export's file type, on the export buttons
  'Excel', // 导出 Excel: the program people open it with
  'ID', // 用户 ID
  'Chrome', // console login: the browser that asks (its name, as the console reports it)
  'Windows', // ... and its operating system
  'Mozilla', // the browser's full user agent, shown on purpose on the console-login page
  'AppleWebKit',
  'KHTML',
  'like',
  'Gecko',
  'Safari',
  'NT',
  'Win64',
  'x64',
  'IP', // the asking browser's address
  'SHA', // 抽签公示: SHA-256, the hash anyone recomputes a draw with, named as every tool names it
]);

const PATTERNS = [
  { re: /\{\{|\}\}/, why: 'raw template syntax ({{ }})' },
  { re: /\bundefined\b/, why: '"undefined"' },
  { re: /\bnull\b/, why: '"null"' },
  { re: /\bNaN\b/, why: '"NaN"' },
  { re: /\[object \w+\]/, why: '"[object Object]"' },
  { re: /\bInvalid Date\b/, why: '"Invalid Date"' },
];

function problems(text) {
  const out = [];
  PATTERNS.forEach(({ re, why }) => {
    const m = re.exec(text);
    if (m) out.push(`${why} in “${context(text, m.index)}”`);
  });
  // Codes are not words: check-in and join tokens (a3.x.y, s4.x.y, c1.x.y) shown to be read out or
  // typed by hand, and long letter-and-digit references such as a console-login ticket.
  const plain = text
    .replace(/\b[asc]\d+\.[0-9a-z]+\.[A-Za-z0-9_-]+/g, ' ')
    .replace(/\b(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{12,}\b/g, ' ');
  const words = plain.match(/[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z]+)*/g) || [];
  const reported = new Set(['undefined', 'null', 'NaN', 'object', 'Object', 'Invalid', 'Date']);
  const english = Array.from(
    new Set(words.filter((w) => /[A-Za-z]{2,}/.test(w) && !ALLOWED_WORDS.has(w) && !reported.has(w))),
  );
  if (english.length) out.push(`English shown to a user: ${english.slice(0, 10).join(', ')}`);
  return out;
}

function context(text, index) {
  return text.slice(Math.max(0, index - 20), index + 20).replace(/\s+/g, ' ');
}

module.exports = { problems, ALLOWED_WORDS };
