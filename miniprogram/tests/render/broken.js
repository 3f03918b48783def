/** Render a deliberately broken page of tests/render/broken/ through the same harness. */
const path = require('path');
const { renderPage } = require('./harness');

function renderBroken(route = 'pages/broken/index') {
  return renderPage(route, { name: 'broken', root: path.join(__dirname, 'broken') });
}

module.exports = { renderBroken };
