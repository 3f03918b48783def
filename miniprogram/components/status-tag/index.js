/** A coloured tag for a status: <status-tag kind="registration" value="waitlisted" /> shows 候补中. */
const { statusInfo } = require('../../constants/status');

Component({
  options: { addGlobalClass: true },
  properties: {
    kind: { type: String, value: 'activity' },
    value: { type: String, value: '' },
  },
  data: { label: '', tone: 'default' },
  observers: {
    'kind, value': function update(kind, value) {
      this.setData(statusInfo(kind, value));
    },
  },
});
