// The login page: exchanges the username and password for a bearer token kept in
// sessionStorage, then opens the control room.
import { api, ApiError, storeToken, token } from './api.js';
import { applyTranslations, installLanguageButtons, t } from './i18n.js';

applyTranslations();
installLanguageButtons();
if (token()) window.location.replace('/');

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  try {
    const body = await api('/api/v1/auth/token', {
      method: 'POST',
      body: {
        username: document.getElementById('login-username').value,
        password: document.getElementById('login-password').value,
      },
    });
    storeToken(body.access_token);
    window.location.assign('/');
  } catch (problem) {
    error.textContent = problem instanceof ApiError && problem.status === 401 ? t('login.wrong') : t('login.failed', { error: problem.message });
    error.hidden = false;
  }
});
