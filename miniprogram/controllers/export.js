/** Roster export: download the XLSX with the token, then open it in WeChat's document viewer. */

function openDocument(filePath) {
  return new Promise((resolve, reject) => {
    wx.openDocument({ filePath, fileType: 'xlsx', showMenu: true, success: resolve, fail: reject });
  });
}

/** `download` resolves a temp file path (services/roster.download*). Resolves the opened path. */
async function exportXlsx(download) {
  const filePath = await download();
  await openDocument(filePath);
  return filePath;
}

module.exports = { exportXlsx, openDocument };
