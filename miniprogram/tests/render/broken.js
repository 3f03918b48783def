/** Render the deliberately broken page of tests/render/broken/ through the same harness. */
const path = require('path');
const { renderPage } = require('./harness');

function renderBroken() {
  return renderPage('pages/broken/index', { name: 'broken', root: path.join(__dirname, 'broken') });
}

module.exports = { renderBroken };
