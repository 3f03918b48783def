/**
 * The same-day health declaration (健康申报): three yes/no questions, nothing typed.
 * <health-form bind:change="onHealthChange" /> fires `change` with `{answers, complete, well}`;
 * `answers` is the body the API takes (`temperature_normal`, `has_symptoms`, `is_risk_person`).
 */
const { QUESTIONS, answersOf } = require('../../utils/health');

Component({
  options: { addGlobalClass: true },
  properties: {
    // Shown above the questions, e.g. why the post asks.
    intro: { type: String, value: '' },
  },
  data: { questions: QUESTIONS, picked: {} },
  methods: {
    onPick(e) {
      const { key, value } = e.currentTarget.dataset;
      const picked = Object.assign({}, this.data.picked, { [key]: value === 'yes' });
      this.setData({ picked });
      this.triggerEvent('change', answersOf(picked));
    },
  },
});
