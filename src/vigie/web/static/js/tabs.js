// The right bar's two tabs: the alarm console and the asset panel.
export function showTab(name) {
  for (const tab of document.querySelectorAll('.tabs .tab')) {
    tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  }
  for (const body of document.querySelectorAll('.tab-body')) {
    body.hidden = body.id !== name;
  }
}

export function installTabs() {
  for (const tab of document.querySelectorAll('.tabs .tab')) {
    tab.addEventListener('click', () => showTab(tab.dataset.tab));
  }
}
