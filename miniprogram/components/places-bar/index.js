/** Places taken out of a capacity, with the free count: <places-bar taken="8" capacity="20" waitlist="0" />. */
const { places } = require('../../utils/present');

// Only derived fields: setting `taken` or `capacity` here would re-fire the observer forever.
function summary(taken, capacity, waitlist) {
  const p = places(taken, capacity);
  let text = `已报 ${p.taken}/${p.capacity}，剩余 ${p.free}`;
  if (p.full) text = waitlist > 0 ? `已满 · ${waitlist} 人候补` : '已满';
  return { text, percent: p.percent, full: p.full, free: p.free };
}

Component({
  options: { addGlobalClass: true },
  properties: {
    taken: { type: Number, value: 0 },
    capacity: { type: Number, value: 0 },
    waitlist: { type: Number, value: 0 },
  },
  data: { text: '', percent: 0, full: false, free: 0 },
  lifetimes: {
    attached() {
      this.setData(summary(this.data.taken, this.data.capacity, this.data.waitlist));
    },
  },
  observers: {
    'taken, capacity, waitlist': function update(taken, capacity, waitlist) {
      this.setData(summary(taken, capacity, waitlist));
    },
  },
});
