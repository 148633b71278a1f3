/**
 * @module The admin web page: one server-rendered HTML document, no scripts, no external assets. Plain HTML forms
 * POST to `/admin/<action>` with the admin token in a hidden field (the session cookie alone never authorises a
 * POST, so a cross-site form cannot act). Buttons carry stable `data-testid`s for browser tests:
 * `approve` / `reject` (with `data-pending-id`, `data-fingerprint`), `revoke` (with `data-client-id`),
 * `upload-certificate`, `allowlist-fingerprint`, `reject-fingerprint`, `add-deployment`.
 * Everything shown that a device or user controls is HTML-escaped.
 */
import type { ClientView, PendingView } from './types.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** What the page shows. */
export interface AdminPageModel {
  readonly token: string;
  readonly apiUrl: string;
  readonly caFingerprint256: string;
  readonly policy: string;
  readonly faults: readonly string[];
  readonly pending: readonly PendingView[];
  readonly clients: readonly ClientView[];
  /** One-line result of the last action (`?done=` / `?error=`). */
  readonly notice?: string;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;max-width:75rem}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}code{font-size:12px;word-break:break-all}
form.inline{display:inline}textarea{width:100%;font-family:monospace}.notice{background:#eef;padding:.5rem}`;

function form(token: string, action: string, fields: Readonly<Record<string, string>>, button: string, testAttrs: string): string {
  const hidden = Object.entries({ token, ...fields })
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form class="inline" method="post" action="/admin/${action}">${hidden}<button type="submit" ${testAttrs}>${escapeHtml(button)}</button></form>`;
}

function pendingRows(m: AdminPageModel): string {
  if (m.pending.length === 0) return '<tr><td colspan="6">No onboarding requests.</td></tr>';
  return m.pending
    .map((p) => {
      const attrs = (testid: string): string =>
        `data-testid="${testid}" data-pending-id="${escapeHtml(p.id)}" data-fingerprint="${escapeHtml(p.fingerprint256)}"`;
      const actions =
        p.state === 'pending'
          ? form(m.token, 'approve', { id: p.id }, 'Approve', attrs('approve')) + ' ' + form(m.token, 'reject', { id: p.id }, 'Reject', attrs('reject'))
          : escapeHtml(p.state);
      return `<tr data-testid="pending-row"><td><code>${escapeHtml(p.id)}</code></td><td>${escapeHtml(p.subject)}</td><td>${escapeHtml(p.issuer)}</td>
<td><code>${escapeHtml(p.fingerprint256)}</code></td><td>${p.attempts}</td><td>${actions}</td></tr>`;
    })
    .join('\n');
}

function clientRows(m: AdminPageModel): string {
  if (m.clients.length === 0) return '<tr><td colspan="7">No clients onboarded.</td></tr>';
  return m.clients
    .map((c) => {
      const revoke =
        c.revokedAt === undefined
          ? form(m.token, 'revoke', { clientId: c.clientId }, 'Revoke', `data-testid="revoke" data-client-id="${escapeHtml(c.clientId)}"`)
          : `revoked ${escapeHtml(c.revokedAt)}`;
      const deployments = c.deployments.map((d) => escapeHtml(d.deploymentId)).join('<br>') || '—';
      const statuses = Object.entries(c.statuses)
        .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(stateOf(v.body))}`)
        .join('<br>') || '—';
      return `<tr data-testid="client-row"><td><code>${escapeHtml(c.clientId)}</code></td><td>${escapeHtml(c.subject ?? c.certificateEncoding)}</td>
<td>${escapeHtml(c.onboardedAt)}</td><td>${escapeHtml(c.manifestVersion)}<br>${deployments}</td><td>${Object.keys(c.capabilities).length}</td><td>${statuses}</td><td>${revoke}</td></tr>`;
    })
    .join('\n');
}

function stateOf(body: unknown): string {
  if (body === null || typeof body !== 'object') return '?';
  const status = (body as Record<string, unknown>)['status'];
  const state = status !== null && typeof status === 'object' ? (status as Record<string, unknown>)['state'] : undefined;
  return typeof state === 'string' ? state : '?';
}

function textareaForm(token: string, action: string, name: string, label: string, testid: string, extra = ''): string {
  return `<form method="post" action="/admin/${action}"><input type="hidden" name="token" value="${escapeHtml(token)}">${extra}
<label>${escapeHtml(label)}<textarea name="${name}" rows="4"></textarea></label><button type="submit" data-testid="${testid}">${escapeHtml(label)}</button></form>`;
}

function lineForm(token: string, action: string, name: string, label: string, testid: string): string {
  return `<form method="post" action="/admin/${action}"><input type="hidden" name="token" value="${escapeHtml(token)}">
<label>${escapeHtml(label)} <input name="${name}" size="70"></label> <button type="submit" data-testid="${testid}">${escapeHtml(label)}</button></form>`;
}

/** Renders the whole admin page. */
export function renderAdminPage(m: AdminPageModel): string {
  const notice = m.notice === undefined ? '' : `<p class="notice" data-testid="notice">${escapeHtml(m.notice)}</p>`;
  const t = m.token;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Margo mock WFM — admin</title><style>${STYLE}</style></head><body>
<h1>Margo mock WFM</h1>${notice}
<p>API <code>${escapeHtml(m.apiUrl)}</code> · root CA SHA-256 <code>${escapeHtml(m.caFingerprint256)}</code> · onboarding policy <b>${escapeHtml(m.policy)}</b>
· faults ${m.faults.length === 0 ? 'none' : m.faults.map((f) => `<code>${escapeHtml(f)}</code>`).join(' ')}</p>
<h2>Pending onboarding</h2>
<table><thead><tr><th>id</th><th>subject</th><th>issuer</th><th>SHA-256</th><th>attempts</th><th></th></tr></thead><tbody>${pendingRows(m)}</tbody></table>
<h2>Clients</h2>
<table><thead><tr><th>clientId</th><th>subject</th><th>onboarded</th><th>manifest / deployments</th><th>capabilities</th><th>statuses</th><th></th></tr></thead><tbody>${clientRows(m)}</tbody></table>
<h2>Trust</h2>
${textareaForm(t, 'upload', 'pem', 'Upload client certificate (PEM)', 'upload-certificate')}
${lineForm(t, 'allowlist', 'fingerprint', 'Allowlist fingerprint', 'allowlist-fingerprint')}
${textareaForm(t, 'allowlist', 'issuerPem', 'Trust issuing CA (PEM)', 'allowlist-issuer')}
${lineForm(t, 'rejections', 'fingerprint', 'Reject fingerprint', 'reject-fingerprint')}
<h2>Desired state</h2>
${textareaForm(t, 'deployments', 'yaml', 'Add ApplicationDeployment YAML', 'add-deployment', '<label>clientId <input name="clientId" size="40"></label>')}
</body></html>`;
}
