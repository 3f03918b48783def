/**
 * The mini-program's package sizes as WeChat counts them against its limits: the main package and each
 * subpackage of app.json. A package is every file under its root that DevTools uploads: the rules of
 * project.config.json `packOptions.ignore` (tests/, node_modules/, package*.json, README.md ...) are
 * applied, and the project configuration and hidden files never go up. Files under a subpackage's root
 * count there; everything else, miniprogram_npm/ included, counts in the main package.
 *
 * The sizes are of the source files, before DevTools minifies and compiles them: an upper bound of what
 * the upload reports (DevTools' 代码依赖分析 shows the exact figure).
 *
 * Usage: scripts/miniprogram-size [--json] [miniprogram dir]; exits 1 when a package is over its limit.
 * Also required by miniprogram/tests/package-size.test.js.
 */
const fs = require('fs');
const path = require('path');

const MB = 1024 * 1024;
// WeChat refuses a main package or a subpackage over 2 MB (WECHAT_LIMIT); our budget for the main package
// is lower, to keep room to spare.
const WECHAT_LIMIT = 2 * MB;
const LIMITS = { main: 1.5 * MB, subpackage: WECHAT_LIMIT };
// Never uploaded, whatever packOptions says.
const ALWAYS_IGNORED = new Set(['project.config.json', 'project.private.config.json']);

/** A `packOptions.ignore` value (a path from the mini-program root, `*` and `**` allowed) as a RegExp. */
function globRegExp(value) {
  const source = value
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

/**
 * A path (relative to the mini-program root, `/`-separated) left out of the upload by a rule of
 * `packOptions.ignore` (DevTools' semantics: `folder` and `file` values are paths from the root), or by
 * nature (hidden files, the project configuration).
 */
function isIgnored(rel, rules) {
  const parts = rel.split('/');
  if (parts.some((part) => part.startsWith('.'))) return true;
  if (ALWAYS_IGNORED.has(rel)) return true;
  return rules.some((rule) => {
    const value = String(rule.value || '')
      .replace(/^\.?\//, '')
      .replace(/\/$/, '');
    if (!value) return false;
    switch (rule.type) {
      case 'folder': {
        const re = globRegExp(value);
        return parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')));
      }
      case 'file':
        return globRegExp(value).test(rel);
      case 'suffix':
        return rel.endsWith(value);
      case 'prefix':
        return parts[parts.length - 1].startsWith(value);
      case 'regexp':
        return new RegExp(value).test(rel);
      default:
        return false;
    }
  });
}

/** Every uploaded file under `root`: `[{rel, bytes}]`. */
function uploadedFiles(root, rules) {
  const files = [];
  const walk = (dir) => {
    fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (isIgnored(rel, rules)) return;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push({ rel, bytes: fs.statSync(full).size });
    });
  };
  walk(root);
  return files;
}

/**
 * `{main: {name, root, bytes, files, limit}, subpackages: [...], total}` for the mini-program in `root`.
 */
function packageSizes(root) {
  const app = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  const configPath = path.join(root, 'project.config.json');
  const config = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {};
  const rules = (config.packOptions && config.packOptions.ignore) || [];
  const subpackages = (app.subPackages || app.subpackages || []).map((pkg) => ({
    name: pkg.name || pkg.root,
    root: pkg.root.replace(/^\.?\//, '').replace(/\/$/, ''),
    bytes: 0,
    files: [],
    limit: LIMITS.subpackage,
  }));
  const main = {
    name: 'main',
    root: '',
    bytes: 0,
    files: [],
    limit: LIMITS.main,
  };
  uploadedFiles(root, rules).forEach((file) => {
    const owner = subpackages.find((pkg) => file.rel.startsWith(`${pkg.root}/`)) || main;
    owner.bytes += file.bytes;
    owner.files.push(file.rel);
  });
  const total = main.bytes + subpackages.reduce((sum, pkg) => sum + pkg.bytes, 0);
  return { main, subpackages, total };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** The report as printed: one line per package, with its share of WeChat's limit and our budget. */
function report(sizes) {
  const rows = [['main package', sizes.main]].concat(
    sizes.subpackages.map((pkg) => [`subpackage ${pkg.name} (${pkg.root}/)`, pkg]),
  );
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const line = ([label, pkg]) =>
    `${label.padEnd(width)}${kb(pkg.bytes).padStart(10)}  ${String(pkg.files.length).padStart(4)} files  ` +
    `${Math.round((pkg.bytes * 100) / WECHAT_LIMIT)}% of WeChat's 2 MB, budget ${kb(pkg.limit)}`;
  return rows
    .map(line)
    .concat([`${'all packages'.padEnd(width)}${kb(sizes.total).padStart(10)}`])
    .join('\n');
}

function overLimit(sizes) {
  return [sizes.main].concat(sizes.subpackages).filter((pkg) => pkg.bytes >= pkg.limit);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const root = path.resolve(args.find((a) => !a.startsWith('--')) || path.join(__dirname, '..', 'miniprogram'));
  const sizes = packageSizes(root);
  if (json) {
    const brief = (pkg) => ({
      name: pkg.name,
      root: pkg.root,
      bytes: pkg.bytes,
      files: pkg.files.length,
      limit: pkg.limit,
    });
    process.stdout.write(
      `${JSON.stringify({ main: brief(sizes.main), subpackages: sizes.subpackages.map(brief), total: sizes.total }, null, 2)}\n`,
    );
  } else process.stdout.write(`${report(sizes)}\n`);
  const over = overLimit(sizes);
  if (over.length) {
    process.stderr.write(`over the limit: ${over.map((pkg) => pkg.name).join(', ')}\n`);
    process.exit(1);
  }
}

module.exports = {
  packageSizes,
  uploadedFiles,
  isIgnored,
  globRegExp,
  report,
  overLimit,
  LIMITS,
  WECHAT_LIMIT,
};
