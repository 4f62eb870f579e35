// French by default, English on request; the choice is kept in localStorage.
import { config } from './config.js';
import { fr } from './i18n/fr.js';
import { en } from './i18n/en.js';

const DICTIONARIES = { fr, en };
const LANG_KEY = 'vigie.lang';
const listeners = [];

let language = localStorage.getItem(LANG_KEY) || config.defaultLanguage || 'fr';
if (!DICTIONARIES[language]) language = 'fr';

export function currentLanguage() {
  return language;
}

export function t(key, vars = {}) {
  const text = DICTIONARIES[language][key] ?? DICTIONARIES.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// The label of a field the server names (`metric.power_w`, `attribute.rated_power_w`); the
// name itself for one the dictionaries do not know yet.
export function labelOf(kind, name) {
  const key = `${kind}.${name}`;
  return key in DICTIONARIES[language] || key in DICTIONARIES.fr ? t(key) : name;
}

export function applyTranslations(root = document) {
  document.documentElement.lang = language;
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  for (const element of root.querySelectorAll('[data-i18n-title]')) {
    element.title = t(element.dataset.i18nTitle);
  }
  for (const element of root.querySelectorAll('[data-i18n-aria-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  }
  for (const button of root.querySelectorAll('[data-lang]')) {
    button.classList.toggle('active', button.dataset.lang === language);
  }
}

export function setLanguage(next) {
  if (!DICTIONARIES[next] || next === language) return;
  language = next;
  localStorage.setItem(LANG_KEY, next);
  applyTranslations();
  for (const listener of listeners) listener(next);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function installLanguageButtons(root = document) {
  for (const button of root.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang));
  }
}

// An alarm's title in the UI's language: the API sends `titles` by language (from the alarm's
// rule file) beside `title`, so a change of language needs no new request.
export function alarmTitle(alarm) {
  return (alarm.titles && (alarm.titles[language] || alarm.titles.fr)) || alarm.title;
}

/** What the alarm's condition saw, in the UI's language (English when no translation was kept). */
export function alarmDetail(alarm) {
  return (alarm.details && (alarm.details[language] || alarm.details.en)) || alarm.detail || '';
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(language === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone: config.timeZone,
  });
}

export function formatAge(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return t('age.seconds', { n: seconds });
  if (seconds < 3600) return t('age.minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 86400) return t('age.hours', { n: Math.floor(seconds / 3600) });
  return t('age.days', { n: Math.floor(seconds / 86400) });
}
