// What the server told the page when it loaded (see vigie/web/ui_config.py).
export const config = JSON.parse(document.getElementById('vigie-config').textContent);

export function roleCan(role, permission) {
  return (config.permissions[role] || []).includes(permission);
}
