// Search by id or name, over the assets already on the map (no round trip).
import { el, clear } from './dom.js';
import { t } from './i18n.js';

const MAX_RESULTS = 10;

function fold(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

export class Search {
  constructor(index, choose) {
    this.index = index;
    this.choose = choose;
    this.input = document.getElementById('search-input');
    this.list = document.getElementById('search-results');
    this.folded = null;
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        const first = this.list.querySelector('li[data-i]');
        if (first) this.pick(Number(first.dataset.i));
      } else if (event.key === 'Escape') {
        this.list.hidden = true;
      }
    });
  }

  find(query) {
    const needle = fold(query.trim());
    if (needle.length < 2) return [];
    const exact = this.index.byId.get(query.trim());
    if (exact !== undefined) return [exact];
    if (!this.folded) this.folded = this.index.names.map((name, i) => `${fold(name)} ${this.index.ids[i].toLowerCase()}`);
    const found = [];
    for (let i = 0; i < this.index.count && found.length < MAX_RESULTS; i += 1) {
      if (this.folded[i].includes(needle)) found.push(i);
    }
    return found;
  }

  update() {
    const found = this.find(this.input.value);
    clear(this.list).append(
      ...found.map((i) =>
        el('li', { dataset: { i: String(i) }, onclick: () => this.pick(i) },
          el('strong', {}, this.index.names[i]), el('span', { className: 'hint' }, ` ${t(`type.${this.index.type(i)}`)}`)),
      ),
    );
    if (!found.length && this.input.value.trim().length >= 2) this.list.append(el('li', { className: 'hint' }, t('search.none')));
    this.list.hidden = this.input.value.trim().length < 2;
  }

  pick(i) {
    this.list.hidden = true;
    this.choose(i);
  }
}
