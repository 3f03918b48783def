/**
 * Run before every test file (jest setupFilesAfterEnv). TDesign's components call getApp() when they are
 * created, and turn on `virtualHost` on base libraries from 2.19.2, which j-component (inside
 * miniprogram-simulate) renders without the children of the host's wx:if: the simulated base library is
 * therefore reported as 2.19.1. Tests that install the scripted wx (helpers/wx.js) get the same version there.
 */
require('miniprogram-simulate');

if (typeof global.getApp !== 'function') global.getApp = () => ({ globalData: {} });

const simulatedWx = global.wx;
if (simulatedWx && typeof simulatedWx.getAppBaseInfo === 'function') {
  const baseInfo = simulatedWx.getAppBaseInfo;
  simulatedWx.getAppBaseInfo = () => Object.assign({}, baseInfo(), { SDKVersion: '2.19.1' });
}
