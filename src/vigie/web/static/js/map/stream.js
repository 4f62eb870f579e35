// The live state push channel (GET /api/v1/stream/state, Server-Sent Events): a snapshot on
// connection, then batches of changes; reconnects by itself, and after a `resync`.
import { streamUrl } from '../api.js';
import { onLanguageChange, t } from '../i18n.js';

export class StateStream {
  constructor(live, indicator) {
    this.live = live;
    this.indicator = indicator;
    this.source = null;
    this.snapshots = 0;
    this.state = 'connecting';
    onLanguageChange(() => this.setStatus(this.state));
  }

  open() {
    this.close();
    this.setStatus('connecting');
    const source = new EventSource(streamUrl('/api/v1/stream/state'));
    source.addEventListener('snapshot', (event) => {
      this.live.applySnapshot(JSON.parse(event.data));
      this.snapshots += 1;
      this.setStatus('live');
    });
    source.addEventListener('changes', (event) => {
      this.live.applyChanges(JSON.parse(event.data).changes);
    });
    source.addEventListener('resync', () => this.open());
    source.onerror = () => this.setStatus(source.readyState === EventSource.CLOSED ? 'down' : 'connecting');
    source.onopen = () => this.setStatus('live');
    this.source = source;
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
  }

  setStatus(state) {
    this.state = state;
    if (!this.indicator) return;
    this.indicator.dataset.state = state;
    this.indicator.title = t(`live.${state}`);
  }
}
